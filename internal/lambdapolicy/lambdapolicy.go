// Package lambdapolicy reads a Lambda function's resource policy, the JSON document
// GetPolicy returns, in both the form Lambda writes and the form moto 5.2.1 writes.
//
// The Lambda provisioner checks berth's statements against it and the inventory reports
// every statement; both read the document through Parse.
package lambdapolicy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Statement is one resource policy statement, reduced to what berth checks and reports.
// Lambda returns the policy as JSON where Principal, Action and condition values may each
// be a string or a list; Parse flattens them.
type Statement struct {
	Sid    string
	Effect string
	// Principals are the statement's principals as "Type:value" items
	// ("Service:cloudfront.amazonaws.com", "AWS:arn:…"), or the bare value of a plain
	// string principal ("*"); sorted when the principal is typed.
	Principals []string
	// PrincipalValues are the same principals without their type, in the same
	// flattening: sorted when the principal is typed.
	PrincipalValues []string
	Actions         []string
	SourceArns      []string // values of the AWS:SourceArn condition, whatever the operator; sorted
	AuthType        string   // lambda:FunctionUrlAuthType condition
	ViaURL          bool     // lambda:InvokedViaFunctionUrl condition is true
}

// rawStatement is the JSON shape of a statement.
type rawStatement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal"`
	Action    any                       `json:"Action"`
	Condition map[string]map[string]any `json:"Condition"`
	// moto 5.2.1 keeps these AddPermission parameters as top-level keys instead of
	// turning them into conditions as Lambda does; reading them too keeps the emulator's
	// policies comparable. Lambda's own policies never carry these keys.
	MotoAuthType any `json:"FunctionUrlAuthType"`
	MotoViaURL   any `json:"InvokedViaFunctionUrl"`
}

// Parse decodes a GetPolicy document. An empty document, or one without a Statement, has
// no statements.
func Parse(doc string) ([]Statement, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, nil
	}
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("parse function policy: %w", err)
	}
	if len(p.Statement) == 0 {
		return nil, nil
	}
	raws, err := rawStatements(p.Statement)
	if err != nil {
		return nil, err
	}
	out := make([]Statement, 0, len(raws))
	for _, r := range raws {
		out = append(out, r.reduce())
	}
	return out, nil
}

// rawStatements accepts a single statement object or a list of them.
func rawStatements(msg json.RawMessage) ([]rawStatement, error) {
	var list []rawStatement
	if err := json.Unmarshal(msg, &list); err == nil {
		return list, nil
	}
	var one rawStatement
	if err := json.Unmarshal(msg, &one); err != nil {
		return nil, fmt.Errorf("parse function policy statements: %w", err)
	}
	return []rawStatement{one}, nil
}

func (r rawStatement) reduce() Statement {
	s := Statement{Sid: r.Sid, Effect: r.Effect, Actions: Strings(r.Action)}
	s.Principals, s.PrincipalValues = principals(r.Principal)
	for _, keys := range r.Condition {
		for key, v := range keys {
			switch strings.ToLower(key) {
			case "aws:sourcearn":
				s.SourceArns = append(s.SourceArns, Strings(v)...)
			case "lambda:functionurlauthtype":
				s.AuthType = strings.Join(Strings(v), ",")
			case "lambda:invokedviafunctionurl":
				s.ViaURL = isTrue(v)
			}
		}
	}
	if r.MotoAuthType != nil {
		s.AuthType = strings.Join(Strings(r.MotoAuthType), ",")
	}
	if r.MotoViaURL != nil {
		s.ViaURL = isTrue(r.MotoViaURL)
	}
	slices.Sort(s.SourceArns)
	return s
}

// principals flattens "*", {"Service": "x"} and {"AWS": ["a", "b"]}: typed as
// "Type:value" items, and as bare values.
func principals(v any) (typed, values []string) {
	m, ok := v.(map[string]any)
	if !ok {
		return Strings(v), Strings(v)
	}
	for typ, vals := range m {
		for _, val := range Strings(vals) {
			typed = append(typed, typ+":"+val)
			values = append(values, val)
		}
	}
	slices.Sort(typed)
	slices.Sort(values)
	return typed, values
}

// Strings turns an IAM policy value (a string, bool or list of them) into strings.
func Strings(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, Strings(e)...)
		}
		return out
	default:
		return []string{fmt.Sprint(t)}
	}
}

// isTrue reads an IAM boolean condition value ("true", true, ["true"]).
func isTrue(v any) bool {
	vals := Strings(v)
	return len(vals) == 1 && strings.EqualFold(vals[0], "true")
}

// EventRulePrincipal is the principal EventBridge invokes a Lambda target as.
const EventRulePrincipal = "events.amazonaws.com"

// eventRuleSidPrefix starts the statement id of every grant berth's EventBridge rules put.
const eventRuleSidPrefix = "berth-events-"

// EventRuleSid is the statement id berth's EventBridge rule named rule puts on its target
// function's policy (statement ids are at most 100 characters, rule names 64).
func EventRuleSid(rule string) string { return eventRuleSidPrefix + rule }

// IsEventRuleGrant reports whether s is exactly such a grant: lambda:InvokeFunction for
// events.amazonaws.com from the rule its id names. The function's CloudFront permission
// leaves these to their rules; anything else is access berth did not give.
func IsEventRuleGrant(s Statement) bool {
	rule, ok := strings.CutPrefix(s.Sid, eventRuleSidPrefix)
	return ok && s.Effect == "Allow" &&
		slices.Equal(s.Principals, []string{"Service:" + EventRulePrincipal}) &&
		slices.Equal(s.Actions, []string{"lambda:InvokeFunction"}) &&
		len(s.SourceArns) == 1 && strings.HasSuffix(s.SourceArns[0], ":rule/"+rule) &&
		s.AuthType == "" && !s.ViaURL
}
