package elbv2

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// lambdaTargetWant is the target group and function ARNs, and the group's logical id
// (its tags name it, and decide whether berth owns the registration).
type lambdaTargetWant struct{ group, function, groupID string }

// lambdaTargetLive is what the target group holds, with the group's tags.
type lambdaTargetLive struct {
	targets []string
	tags    map[string]string
}

type lambdaTargetCall = provision.Call[API, lambdaTargetWant]

// NewLambdaTarget returns the provisioner of plan.KindLambdaTarget: a private app's
// function registered in its lambda target group (RegisterTargets with the function ARN
// as target id). A lambda target group holds one function ("Lambda functions as targets":
// "you can register one Lambda function per target group",
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html),
// and ELB refuses the registration unless the function's policy lets
// elasticloadbalancing.amazonaws.com invoke it, which the plan orders first. The group's
// tags decide ownership; a registration is absent when nothing is registered.
func NewLambdaTarget(client API) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, lambdaTargetWant, lambdaTargetLive]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *lambdaTargetCall) (lambdaTargetWant, error) {
			props, err := provision.Decode[plan.LambdaTargetProps](c.R)
			if err != nil {
				return lambdaTargetWant{}, err
			}
			w := lambdaTargetWant{groupID: props.TargetGroup.ID}
			if w.group, err = c.Env.Refs.Resolve(props.TargetGroup); err != nil {
				return w, err
			}
			w.function, err = c.Env.Refs.Resolve(props.Function)
			return w, err
		},
		Find: findLambdaTargets,
		Owned: func(c *lambdaTargetCall, l *lambdaTargetLive) bool {
			return provision.Owned(c.Env, plan.Resource{ID: c.Props.groupID}, l.tags)
		},
		Diff: func(_ context.Context, c *lambdaTargetCall, l *lambdaTargetLive) (provision.Diffs, error) {
			var d provision.Diffs
			d.Add("function", c.Props.function, strings.Join(l.targets, ","))
			return d, nil
		},
		Outputs: func(*lambdaTargetCall, *lambdaTargetLive) provision.Outputs { return provision.Outputs{} },
		Create: func(ctx context.Context, c *lambdaTargetCall) (provision.Outputs, error) {
			return provision.Outputs{}, register(ctx, c)
		},
		Converge: func(ctx context.Context, c *lambdaTargetCall, l *lambdaTargetLive, _ provision.Diffs) (provision.Outputs, error) {
			if err := deregister(ctx, c, l.targets); err != nil {
				return nil, err
			}
			return provision.Outputs{}, register(ctx, c)
		},
		Remove: func(ctx context.Context, c *lambdaTargetCall, l *lambdaTargetLive) error {
			return deregister(ctx, c, l.targets)
		},
	})
}

// findLambdaTargets reads the group's registered targets; nil when none is (or the group
// is gone: TargetGroupNotFound counts as absent).
func findLambdaTargets(ctx context.Context, c *lambdaTargetCall) (*lambdaTargetLive, error) {
	out, err := c.API.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(c.Props.group)})
	if err != nil {
		return nil, err
	}
	var targets []string
	for _, h := range out.TargetHealthDescriptions {
		if h.Target != nil {
			targets = append(targets, aws.ToString(h.Target.Id))
		}
	}
	if len(targets) == 0 {
		return nil, nil
	}
	sort.Strings(targets)
	t, err := tagsOf(ctx, c.API, []string{c.Props.group})
	if err != nil {
		return nil, err
	}
	return &lambdaTargetLive{targets: targets, tags: t[c.Props.group]}, nil
}

func register(ctx context.Context, c *lambdaTargetCall) error {
	_, err := c.API.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(c.Props.group),
		Targets: []types.TargetDescription{{Id: aws.String(c.Props.function)}}})
	return err
}

func deregister(ctx context.Context, c *lambdaTargetCall, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	targets := make([]types.TargetDescription, len(ids))
	for i, id := range ids {
		targets[i] = types.TargetDescription{Id: aws.String(id)}
	}
	_, err := c.API.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(c.Props.group), Targets: targets})
	return err
}
