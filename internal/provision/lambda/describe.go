package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of a function: itself, its URL and its policy.
type describeAPI interface {
	GetFunction(ctx context.Context, in *awslambda.GetFunctionInput, opts ...func(*awslambda.Options)) (*awslambda.GetFunctionOutput, error)
	GetFunctionUrlConfig(ctx context.Context, in *awslambda.GetFunctionUrlConfigInput, opts ...func(*awslambda.Options)) (*awslambda.GetFunctionUrlConfigOutput, error)
	GetPolicy(ctx context.Context, in *awslambda.GetPolicyInput, opts ...func(*awslambda.Options)) (*awslambda.GetPolicyOutput, error)
}

var (
	describeFunction = provision.Describer{ARNTypes: []string{"lambda:function"}, Items: describeFunctions}
	// A function's URL and policy have no ARN of their own: the function's listing
	// reads them.
	describeWithFunction = provision.Describer{With: plan.KindFunction}
	describeEdgeVersion  = provision.Describer{Unlisted: "a published Lambda@Edge version is its function's, which is listed (in us-east-1)"}
)

// describeFunctions reads each tagged function (GetFunction) in the region its ARN names,
// its Function URL (GetFunctionUrlConfig) and its resource policy (GetPolicy): three calls
// per function. A function Lambda no longer has is dropped; no URL or no policy means no
// such item.
func describeFunctions(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	clients := provision.PerRegion(func(region string) describeAPI { return awslambda.NewFromConfig(s.Config(region)) })
	per := make([][]provision.Item, len(found))
	err := provision.ForEach(ctx, len(found), provision.PerItemParallel, func(i int) error {
		var err error
		per[i], err = describeOne(ctx, clients(found[i].ARN.Region), found[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}

func describeOne(ctx context.Context, api describeAPI, t provision.Tagged) ([]provision.Item, error) {
	name := t.ARN.Name()
	arn := unqualified(t.ARN.String())
	fn, err := api.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(arn)})
	if provision.ErrorCode(err) == "ResourceNotFoundException" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("GetFunction %s: %w", name, err)
	}
	item := provision.Item{Type: string(plan.KindFunction), Name: name, Arn: arn}
	if c := fn.Configuration; c != nil {
		image := ""
		if fn.Code != nil {
			image = aws.ToString(fn.Code.ImageUri)
		}
		item.Attributes = provision.Attrs(
			"memory", itoa(c.MemorySize),
			"timeout", itoa(c.Timeout),
			"packageType", string(c.PackageType),
			"image", image,
			"runtime", string(c.Runtime),
			"state", string(c.State),
		)
	}
	items := []provision.Item{item}

	u, err := api.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String(arn)})
	switch {
	case provision.ErrorCode(err) == "ResourceNotFoundException":
	case err != nil:
		return nil, fmt.Errorf("GetFunctionUrlConfig %s: %w", name, err)
	default:
		items = append(items, provision.Item{Type: string(plan.KindFunctionURL), Name: name, Arn: arn, Attributes: provision.Attrs(
			"authType", string(u.AuthType),
			"invokeMode", string(u.InvokeMode),
			"url", aws.ToString(u.FunctionUrl),
		)})
	}

	p, err := api.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(arn)})
	switch {
	case provision.ErrorCode(err) == "ResourceNotFoundException":
	case err != nil:
		return nil, fmt.Errorf("GetPolicy %s: %w", name, err)
	default:
		stmts, err := listedStatements(aws.ToString(p.Policy))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(stmts) > 0 {
			items = append(items, policyItem(name, arn, stmts))
		}
	}
	return items, nil
}

// policyItem describes a function's resource policy: its statements as compact JSON and
// its distinct principals.
func policyItem(name, arn string, stmts []listedStatement) provision.Item {
	slices.SortStableFunc(stmts, func(a, b listedStatement) int { return strings.Compare(a.Sid, b.Sid) })
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
	return provision.Item{Type: string(plan.KindPermission), Name: name, Arn: arn, Attributes: provision.Attrs(
		"statements", string(doc),
		"principals", strings.Join(principals, ","),
	)}
}

func itoa(v *int32) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(int(*v))
}

// listedStatement is one resource policy statement as the inventory reports it. Multiple
// principals, actions or source ARNs are comma-joined.
type listedStatement struct {
	Sid                   string `json:"sid"`
	Principal             string `json:"principal"`
	Action                string `json:"action"`
	SourceArn             string `json:"sourceArn,omitempty"`
	FunctionUrlAuthType   string `json:"functionUrlAuthType,omitempty"`
	InvokedViaFunctionUrl bool   `json:"invokedViaFunctionUrl"`
}

// listedStatements decodes a GetPolicy document, in Lambda's form or moto's, into the
// statements the inventory reports.
func listedStatements(doc string) ([]listedStatement, error) {
	stmts, err := lambdapolicy.Parse(doc)
	if err != nil || stmts == nil {
		return nil, err
	}
	out := make([]listedStatement, 0, len(stmts))
	for _, s := range stmts {
		out = append(out, listedStatement{
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
