package elbv2

import (
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

// Listener provisions AWS::ElasticLoadBalancingV2::Listener: HTTP on props.Port. A listener
// has no name; it is found by its load balancer and port, and its tags say who owns it.
type Listener struct{ client API }

// NewListener returns the listener provisioner.
func NewListener(client API) *Listener { return &Listener{client: client} }

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

// lookup returns the listener on the referenced load balancer's port, or nil (also when
// the load balancer itself is gone).
func (p *Listener) lookup(ctx context.Context, env provision.Env, r plan.Resource, props plan.ListenerProps) (*types.Listener, error) {
	lbArn, err := env.Refs.Resolve(props.LoadBalancer)
	if err != nil {
		return nil, err
	}
	in := &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)}
	for pg := elb.NewDescribeListenersPaginator(p.client, in); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if notFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, provision.Classify(err, "describe", string(r.Kind), r.Name)
		}
		for i, l := range out.Listeners {
			if int(aws.ToInt32(l.Port)) == props.Port {
				return &out.Listeners[i], nil
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

func (p *Listener) find(ctx context.Context, env provision.Env, r plan.Resource) (plan.ListenerProps, *types.Listener, error) {
	props, err := provision.Decode[plan.ListenerProps](r)
	if err != nil {
		return props, nil, err
	}
	if props.Port == 0 {
		props.Port = 80
	}
	l, err := p.lookup(ctx, env, r, props)
	return props, l, err
}

// Observe reports the listener and whether its default action is still the 404.
func (p *Listener) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	_, l, err := p.find(ctx, env, r)
	if err != nil || l == nil {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: listenerOutputs(r, l)}
	return observeOwned(ctx, p.client, env, r, aws.ToString(l.ListenerArn), obs, func() (provision.Diffs, error) {
		return listenerDiff(l), nil
	})
}

// Create makes the listener, or restores an existing one's protocol and default action.
func (p *Listener) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	props, l, err := p.find(ctx, env, r)
	if err != nil {
		return nil, err
	}
	if l == nil {
		lbArn, err := env.Refs.Resolve(props.LoadBalancer)
		if err != nil {
			return nil, err
		}
		out, err := p.client.CreateListener(ctx, &elb.CreateListenerInput{
			LoadBalancerArn: aws.String(lbArn),
			Port:            aws.Int32(int32(props.Port)),
			Protocol:        types.ProtocolEnumHttp,
			DefaultActions:  []types.Action{noRouteAction()},
			Tags:            tags(env, r),
		})
		if err != nil {
			return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
		}
		return listenerOutputs(r, &out.Listeners[0]), nil
	}
	if err := mustOwn(ctx, p.client, env, r, aws.ToString(l.ListenerArn)); err != nil {
		return nil, err
	}
	if len(listenerDiff(l)) > 0 {
		_, err := p.client.ModifyListener(ctx, &elb.ModifyListenerInput{
			ListenerArn: l.ListenerArn, Protocol: types.ProtocolEnumHttp, DefaultActions: []types.Action{noRouteAction()},
		})
		if err != nil {
			return nil, provision.Classify(err, "modify", string(r.Kind), r.Name)
		}
	}
	return listenerOutputs(r, l), nil
}

// Update is Create: the only mutable parts are the protocol and the default action.
func (p *Listener) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// Delete removes the listener (its rules go with it).
func (p *Listener) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	_, l, err := p.find(ctx, env, r)
	if err != nil || l == nil {
		return err
	}
	if err := mustOwn(ctx, p.client, env, r, aws.ToString(l.ListenerArn)); err != nil {
		return err
	}
	_, err = p.client.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn})
	return deleted(r, err)
}
