package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
)

// lambdaFor is the Lambda client for the region a function's ARN names.
func (l *Lister) lambdaFor(a arnParts) LambdaAPI {
	if isEdge(a) && l.c.EdgeLambda != nil {
		return l.c.EdgeLambda
	}
	return l.c.Lambda
}

// lambdas reads each tagged function (GetFunction), its Function URL
// (GetFunctionUrlConfig) and its resource policy (GetPolicy): three calls per function.
// A function Lambda no longer has is dropped; no URL or no policy means no such item.
func (l *Lister) lambdas(ctx context.Context, fns []tagged) ([]Item, error) {
	per := make([][]Item, len(fns))
	err := forEach(ctx, len(fns), perItemParallel, func(i int) error {
		var err error
		per[i], err = l.function(ctx, fns[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}

func (l *Lister) function(ctx context.Context, t tagged) ([]Item, error) {
	api := l.lambdaFor(t.a)
	name := nameOf(t.a)
	arn := unqualified(t.arn)
	fn, err := api.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn)})
	if errorCode(err) == "ResourceNotFoundException" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("GetFunction %s: %w", name, err)
	}
	item := Item{Type: string(plan.KindFunction), Name: name, Arn: arn}
	if c := fn.Configuration; c != nil {
		image := ""
		if fn.Code != nil {
			image = aws.ToString(fn.Code.ImageUri)
		}
		item.Attributes = attrs(
			"memory", itoa(c.MemorySize),
			"timeout", itoa(c.Timeout),
			"packageType", string(c.PackageType),
			"image", image,
			"runtime", string(c.Runtime),
			"state", string(c.State),
		)
	}
	items := []Item{item}

	u, err := api.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(arn)})
	switch {
	case errorCode(err) == "ResourceNotFoundException":
	case err != nil:
		return nil, fmt.Errorf("GetFunctionUrlConfig %s: %w", name, err)
	default:
		items = append(items, Item{Type: string(plan.KindFunctionURL), Name: name, Arn: arn, Attributes: attrs(
			"authType", string(u.AuthType),
			"invokeMode", string(u.InvokeMode),
			"url", aws.ToString(u.FunctionUrl),
		)})
	}

	p, err := api.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(arn)})
	switch {
	case errorCode(err) == "ResourceNotFoundException":
	case err != nil:
		return nil, fmt.Errorf("GetPolicy %s: %w", name, err)
	default:
		stmts, err := parseStatements(aws.ToString(p.Policy))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(stmts) > 0 {
			items = append(items, permissionItem(name, arn, stmts))
		}
	}
	return items, nil
}

// permissionItem describes a function's resource policy: its statements as compact JSON
// and its distinct principals.
func permissionItem(name, arn string, stmts []statement) Item {
	slices.SortStableFunc(stmts, func(a, b statement) int { return strings.Compare(a.Sid, b.Sid) })
	var principals []string
	for _, s := range stmts {
		for _, p := range strings.Split(s.Principal, ",") {
			if p != "" && !slices.Contains(principals, p) {
				principals = append(principals, p)
			}
		}
	}
	slices.Sort(principals)
	doc, _ := json.Marshal(stmts) // plain strings and bools: cannot fail
	return Item{Type: string(plan.KindPermission), Name: name, Arn: arn, Attributes: attrs(
		"statements", string(doc),
		"principals", strings.Join(principals, ","),
	)}
}

// unqualified strips a version or alias qualifier from a function ARN.
func unqualified(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) > 7 {
		return strings.Join(parts[:7], ":")
	}
	return arn
}

func itoa(v *int32) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(int(*v))
}

// statement is one resource policy statement as the inventory reports it. Multiple
// principals, actions or source ARNs are comma-joined.
type statement struct {
	Sid                   string `json:"sid"`
	Principal             string `json:"principal"`
	Action                string `json:"action"`
	SourceArn             string `json:"sourceArn,omitempty"`
	FunctionUrlAuthType   string `json:"functionUrlAuthType,omitempty"`
	InvokedViaFunctionUrl bool   `json:"invokedViaFunctionUrl"`
}

// parseStatements decodes a GetPolicy document, in Lambda's form or moto's, into the
// statements the inventory reports.
func parseStatements(doc string) ([]statement, error) {
	stmts, err := lambdapolicy.Parse(doc)
	if err != nil || stmts == nil {
		return nil, err
	}
	out := make([]statement, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, statement{
			Sid:                   s.Sid,
			Principal:             strings.Join(s.PrincipalValues, ","),
			Action:                strings.Join(s.Actions, ","),
			SourceArn:             strings.Join(s.SourceArns, ","),
			FunctionUrlAuthType:   s.AuthType,
			InvokedViaFunctionUrl: s.ViaURL,
		})
	}
	return out, nil
}
