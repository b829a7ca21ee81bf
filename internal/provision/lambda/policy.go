package lambda

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// statement is one resource policy statement, reduced to what berth checks. Lambda
// returns the policy as JSON where Principal, Action and condition values may each be a
// string or a list; parseStatements flattens them.
type statement struct {
	Sid        string
	Effect     string
	Principals []string // "Service:cloudfront.amazonaws.com", "AWS:arn:…", "*"
	Actions    []string
	SourceArns []string // values of the AWS:SourceArn condition, whatever the operator
	AuthType   string   // lambda:FunctionUrlAuthType condition
	ViaURL     bool     // lambda:InvokedViaFunctionUrl condition is true
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

// parseStatements decodes a GetPolicy document. An empty document has no statements.
func parseStatements(doc string) ([]statement, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, nil
	}
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("parse function policy: %w", err)
	}
	raws, err := rawStatements(p.Statement)
	if err != nil {
		return nil, err
	}
	out := make([]statement, 0, len(raws))
	for _, r := range raws {
		out = append(out, r.reduce())
	}
	return out, nil
}

// rawStatements accepts a single statement object or a list of them.
func rawStatements(msg json.RawMessage) ([]rawStatement, error) {
	if len(msg) == 0 {
		return nil, nil
	}
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

func (r rawStatement) reduce() statement {
	s := statement{Sid: r.Sid, Effect: r.Effect, Principals: principals(r.Principal), Actions: strs(r.Action)}
	for _, keys := range r.Condition {
		for key, v := range keys {
			switch strings.ToLower(key) {
			case "aws:sourcearn":
				s.SourceArns = append(s.SourceArns, strs(v)...)
			case "lambda:functionurlauthtype":
				s.AuthType = strings.Join(strs(v), ",")
			case "lambda:invokedviafunctionurl":
				s.ViaURL = isTrue(v)
			}
		}
	}
	if r.MotoAuthType != nil {
		s.AuthType = strings.Join(strs(r.MotoAuthType), ",")
	}
	if r.MotoViaURL != nil {
		s.ViaURL = isTrue(r.MotoViaURL)
	}
	slices.Sort(s.SourceArns)
	return s
}

// principals flattens "*", {"Service": "x"} and {"AWS": ["a", "b"]} to "Type:value" items.
func principals(v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return strs(v)
	}
	var out []string
	for typ, vals := range m {
		for _, val := range strs(vals) {
			out = append(out, typ+":"+val)
		}
	}
	slices.Sort(out)
	return out
}

// strs turns a string, bool or list of them into strings.
func strs(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, strs(e)...)
		}
		return out
	default:
		return []string{fmt.Sprint(t)}
	}
}

// isTrue reads an IAM boolean condition value ("true", true, ["true"]).
func isTrue(v any) bool {
	vals := strs(v)
	return len(vals) == 1 && strings.EqualFold(vals[0], "true")
}
