// Package template holds the tests of the repository's SAM template (template.yaml) and of
// the sample events under events/: structure, least-privilege rules for every IAM
// statement, the state machines' substitutions, the EventBridge trigger, the HTTP API's
// IAM authorization, that every sample decodes into the workflow type it stands for, and
// a cfn-lint run.
//
// template.yaml is read with gopkg.in/yaml.v3 as a node tree: CloudFormation's short-form
// tags (!Ref, !GetAtt, !Sub, !If, ...) are turned into their long forms ({"Ref": ...},
// {"Fn::GetAtt": [...]}, ...) by cfnValue, and the raw lines are kept so tests can check
// the comments next to statements.
package template
