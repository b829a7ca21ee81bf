package elbv2

import (
	"cmp"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// The listener's default action answers requests no rule matched. Every legitimate request
// arrives from CloudFront's router with the container header a rule matches, so this only
// answers strays (a request straight to the ALB's DNS name, a removed container): a plain
// 404 rather than some container's response.
const (
	noRouteStatus = "404"
	noRouteType   = "text/plain"
	noRouteBody   = "no route"
)

// listenerWant is the listener's props with its load balancer resolved.
type listenerWant struct {
	lbArn string
	port  int
}

// liveListener is a listener with its tags.
type liveListener struct {
	l    types.Listener
	tags map[string]string
}

type listenerCall = provision.Call[API, listenerWant]

// NewListener returns the provisioner of AWS::ElasticLoadBalancingV2::Listener: HTTP on
// props.Port. A listener has no name; it is found by its load balancer and port, and its
// tags say who owns it. The only mutable parts are the protocol and the default action;
// deleting it deletes its rules.
func NewListener(client API) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, listenerWant, liveListener]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *listenerCall) (listenerWant, error) {
			props, err := provision.Decode[plan.ListenerProps](c.R)
			if err != nil {
				return listenerWant{}, err
			}
			lbArn, err := c.Env.Refs.Resolve(props.LoadBalancer)
			return listenerWant{lbArn: lbArn, port: cmp.Or(props.Port, 80)}, err
		},
		Find:  lookupListener,
		Owned: func(c *listenerCall, l *liveListener) bool { return provision.Owned(c.Env, c.R, l.tags) },
		Diff: func(_ context.Context, _ *listenerCall, l *liveListener) (provision.Diffs, error) {
			return listenerDiff(&l.l), nil
		},
		Outputs: func(c *listenerCall, l *liveListener) provision.Outputs { return listenerOutputs(c.R, &l.l) },
		Create: func(ctx context.Context, c *listenerCall) (provision.Outputs, error) {
			out, err := c.API.CreateListener(ctx, &elb.CreateListenerInput{
				LoadBalancerArn: aws.String(c.Props.lbArn),
				Port:            aws.Int32(int32(c.Props.port)),
				Protocol:        types.ProtocolEnumHttp,
				DefaultActions:  []types.Action{noRouteAction()},
				Tags:            tags(c.Env, c.R),
			})
			if err != nil {
				return nil, err
			}
			return listenerOutputs(c.R, &out.Listeners[0]), nil
		},
		Converge: func(ctx context.Context, c *listenerCall, l *liveListener, _ provision.Diffs) (provision.Outputs, error) {
			_, err := c.API.ModifyListener(ctx, &elb.ModifyListenerInput{
				ListenerArn: l.l.ListenerArn, Protocol: types.ProtocolEnumHttp, DefaultActions: []types.Action{noRouteAction()},
			})
			return listenerOutputs(c.R, &l.l), err
		},
		Remove: func(ctx context.Context, c *listenerCall, l *liveListener) error {
			_, err := c.API.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.l.ListenerArn})
			return err
		},
	})
}

func noRouteAction() types.Action {
	return types.Action{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
		StatusCode: aws.String(noRouteStatus), ContentType: aws.String(noRouteType), MessageBody: aws.String(noRouteBody),
	}}
}

// renderActions renders actions for a diff.
func renderActions(actions []types.Action) string {
	out := ""
	for _, a := range actions {
		if out != "" {
			out += "; "
		}
		switch {
		case a.FixedResponseConfig != nil:
			f := a.FixedResponseConfig
			out += fmt.Sprintf("fixed-response %s %s %q", aws.ToString(f.StatusCode), aws.ToString(f.ContentType), aws.ToString(f.MessageBody))
		case aws.ToString(a.TargetGroupArn) != "":
			out += "forward " + aws.ToString(a.TargetGroupArn)
		case a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1:
			out += "forward " + aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn)
		default:
			out += string(a.Type)
		}
	}
	return out
}

// lookupListener finds the listener on the load balancer's port, with its tags; nil
// also when the load balancer itself is gone.
func lookupListener(ctx context.Context, c *listenerCall) (*liveListener, error) {
	in := &elb.DescribeListenersInput{LoadBalancerArn: aws.String(c.Props.lbArn)}
	for pg := elb.NewDescribeListenersPaginator(c.API, in); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range out.Listeners {
			if int(aws.ToInt32(l.Port)) == c.Props.port {
				arn := aws.ToString(l.ListenerArn)
				t, err := tagsOf(ctx, c.API, []string{arn})
				if err != nil {
					return nil, err
				}
				return &liveListener{l: l, tags: t[arn]}, nil
			}
		}
	}
	return nil, nil
}

func listenerOutputs(r plan.Resource, l *types.Listener) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(l.ListenerArn), plan.AttrName: r.Name}
}

func listenerDiff(l *types.Listener) provision.Diffs {
	var d provision.Diffs
	d.Add("protocol", types.ProtocolEnumHttp, l.Protocol)
	d.Add("defaultAction", renderActions([]types.Action{noRouteAction()}), renderActions(l.DefaultActions))
	return d
}
