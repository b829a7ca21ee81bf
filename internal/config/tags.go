package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// refuseTags reports every value written with an application tag (!Sub, !Ref, !GetAtt,
// !If ...). yaml.v3 would read "!Sub 'arn:${AWS::Region}'" as the plain string, so a
// CloudFormation intrinsic would reach AWS unevaluated; SCF never evaluated them either.
// Standard tags (!!str, !!int ...) and the non-specific "!" keep their YAML meaning.
func refuseTags(s *sink, n *yaml.Node, path string) {
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") && tag != "!" {
		s.errorAt(path, n, "YAML tag %s is not supported: berth reads plain YAML and does not evaluate CloudFormation functions, so the value would be used as written; write the value itself (e.g. the ARN or region), or use a variable such as ${param:name}, ${ssm:/path} or ${self:key}", clip(tag))
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			refuseTags(s, k, p)
			refuseTags(s, v, p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			refuseTags(s, c, index(path, i))
		}
	}
}
