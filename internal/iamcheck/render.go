package iamcheck

import (
	"fmt"
	"regexp"
	"strings"
)

// noValue stands for AWS::NoValue: dropped from the list or map holding it.
type noValue struct{}

// render fills CloudFormation's intrinsic functions as the stack would for t.in.
func (t *Template) render(v any) any {
	switch x := v.(type) {
	case []any:
		out := []any{}
		for _, e := range x {
			r := t.render(e)
			if _, skip := r.(noValue); skip {
				continue
			}
			out = append(out, r)
		}
		return out
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if r, ok := t.intrinsic(k, arg); ok {
					return r
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			r := t.render(e)
			if _, skip := r.(noValue); skip {
				continue
			}
			out[k] = r
		}
		return out
	}
	return v
}

func (t *Template) intrinsic(fn string, arg any) (any, bool) {
	switch fn {
	case "Ref":
		return t.ref(toString(arg)), true
	case "Fn::GetAtt":
		l := asList(arg)
		return t.attr(toString(l[0]), toString(l[1])), true
	case "Fn::Sub":
		l := asList(arg)
		vars := map[string]any{}
		if len(l) == 2 {
			if m, ok := l[1].(map[string]any); ok {
				for k, e := range m {
					vars[k] = t.render(e)
				}
			}
		}
		return t.sub(toString(l[0]), vars), true
	case "Fn::If":
		l := asList(arg)
		if t.condition(toString(l[0])) {
			return t.render(l[1]), true
		}
		return t.render(l[2]), true
	case "Fn::Join":
		l := asList(arg)
		var parts []string
		for _, e := range asList(t.render(l[1])) {
			parts = append(parts, toString(e))
		}
		return strings.Join(parts, toString(t.render(l[0]))), true
	case "Fn::Not":
		return !t.truth(asList(arg)[0]), true
	case "Fn::Equals":
		l := asList(arg)
		return fmt.Sprint(t.render(l[0])) == fmt.Sprint(t.render(l[1])), true
	case "Condition":
		return t.condition(toString(arg)), true
	}
	return nil, false
}

func (t *Template) truth(v any) bool {
	b, _ := t.render(v).(bool)
	return b
}

func (t *Template) condition(name string) bool {
	return t.truth(value(t.conds[name]))
}

func (t *Template) ref(name string) any {
	switch name {
	case "AWS::Partition":
		return t.in.Partition
	case "AWS::Region":
		return t.in.Region
	case "AWS::AccountId":
		return t.in.Account
	case "AWS::StackName":
		return t.in.StackName
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::NoValue":
		return noValue{}
	}
	if p, ok := t.params[name]; ok {
		v, set := t.in.Params[name]
		if !set {
			v = scalar(get(p, "Default"))
		}
		if scalar(get(p, "Type")) == "CommaDelimitedList" {
			return asList(strings.Split(v, ","))
		}
		return v
	}
	if r, ok := t.resources[name]; ok && scalar(get(r, "Type")) == "AWS::IAM::ManagedPolicy" {
		return t.ManagedPolicyArn(name)
	}
	if n, ok := t.in.Names[name]; ok {
		return n
	}
	return name
}

// attr renders Fn::GetAtt <resource>.Arn for the resource types policies reference.
func (t *Template) attr(id, att string) string {
	name := toString(t.ref(id))
	typ := scalar(get(t.resources[id], "Type"))
	switch {
	case att != "Arn":
	case typ == "AWS::S3::Bucket":
		return fmt.Sprintf("arn:%s:s3:::%s", t.in.Partition, name)
	case typ == "AWS::DynamoDB::Table":
		return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", t.in.Partition, t.in.Region, t.in.Account, name)
	case typ == "AWS::Logs::LogGroup":
		lg := toString(t.render(value(get(get(t.resources[id], "Properties"), "LogGroupName"))))
		return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", t.in.Partition, t.in.Region, t.in.Account, lg)
	case typ == "AWS::IAM::Role":
		return fmt.Sprintf("arn:%s:iam::%s:role/berth/%s", t.in.Partition, t.in.Account, id)
	case typ == "AWS::SQS::Queue":
		return fmt.Sprintf("arn:%s:sqs:%s:%s:%s", t.in.Partition, t.in.Region, t.in.Account, name)
	}
	return fmt.Sprintf("arn:%s:cloudformation:::%s.%s", t.in.Partition, id, att) // never matches a real ARN
}

var subVar = regexp.MustCompile(`\$\{([^}]+)\}`)

func (t *Template) sub(s string, vars map[string]any) string {
	return subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}" // ${!Literal}
		}
		if v, ok := vars[name]; ok {
			return toString(v)
		}
		if id, att, ok := strings.Cut(name, "."); ok {
			return t.attr(id, att)
		}
		return toString(t.ref(name))
	})
}
