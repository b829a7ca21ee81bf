package elbv2

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

type ruleCall = provision.Call[API, ruleWant]

// NewListenerRule returns the provisioner of AWS::ElasticLoadBalancingV2::ListenerRule:
// "header props.HeaderName = props.HeaderValue (and, on a webhook rule, props.Credential's
// header = the container's plan.WebhookCredential) → forward to the container's target
// group", or on a private app "path props.PathPattern (and host props.Host) → forward".
// The credential is derived here and never rendered: diffs say only whether it matches.
// Rules have no name: berth finds its rule among the listener's by ownership tags, so a
// rule keeps its identity when its priority moves. A foreign rule at the priority is a
// *provision.NotOwnedError; another berth rule there is transient (the plan moves it in
// the same deploy).
func NewListenerRule(client API) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, ruleWant, found]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *ruleCall) (ruleWant, error) { return ruleOn(c.Env, c.R) },
		Find:    searchRule,
		// Only a sibling's rule at the priority was found: this one does not exist yet.
		Exists: func(f *found) bool { return f.rule != nil },
		Owned:  func(_ *ruleCall, f *found) bool { return !f.foreign },
		Diff: func(_ context.Context, c *ruleCall, f *found) (provision.Diffs, error) {
			if f.rule == nil {
				return provision.Diffs{{Field: "priority", Desired: strconv.Itoa(c.Props.priority), Actual: "held by berth's " + f.sibling}}, nil
			}
			w, err := c.Props.complete(c.Env)
			if err != nil {
				return nil, err
			}
			return ruleDiff(w, f.rule), nil
		},
		Outputs: func(c *ruleCall, f *found) provision.Outputs { return ruleOutputs(c.R, f.rule) },
		Create:  createRule,
		Converge: func(ctx context.Context, c *ruleCall, f *found, _ provision.Diffs) (provision.Outputs, error) {
			if f.rule == nil {
				return nil, &provision.TransientError{Kind: string(c.R.Kind), Name: c.R.Name, Op: "create",
					Cause: "priority " + strconv.Itoa(c.Props.priority) + " is still held by berth's " + f.sibling + ", which this deploy moves"}
			}
			return updateRule(ctx, c, f.rule)
		},
		Remove: func(ctx context.Context, c *ruleCall, f *found) error {
			if f.rule == nil {
				return nil
			}
			_, err := c.API.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: f.rule.RuleArn})
			return err
		},
	})
}

// ruleWant is the desired rule with refs resolved.
type ruleWant struct {
	props                 plan.ListenerRuleProps
	listener, targetGroup string
	priority              int
	header, value         string
	path, host            string
	// credHeader requires credValue (a plan.WebhookCredential) too, when set.
	credHeader, credValue string
}

// ruleOn decodes the rule and resolves its listener: all a removal needs, so that it
// depends neither on the target group's ref nor on the installation's key.
func ruleOn(env provision.Env, r plan.Resource) (ruleWant, error) {
	props, err := provision.Decode[plan.ListenerRuleProps](r)
	if err != nil {
		return ruleWant{}, err
	}
	w := ruleWant{props: props, priority: props.Priority, header: props.HeaderName, value: props.HeaderValue, path: props.PathPattern, host: props.Host}
	w.listener, err = env.Refs.Resolve(props.Listener)
	return w, err
}

// complete derives the credential and resolves the target group, which comparing and
// writing the rule need.
func (w ruleWant) complete(env provision.Env) (ruleWant, error) {
	if cr := w.props.Credential; cr != nil {
		if len(env.FingerprintKey) == 0 {
			return ruleWant{}, errors.New("the installation's secret key is not available: the webhook credential cannot be derived")
		}
		w.credHeader, w.credValue = cr.Name, plan.WebhookCredential(env.FingerprintKey, env.App, env.Stage, cr.Container)
	}
	var err error
	w.targetGroup, err = env.Refs.Resolve(w.props.TargetGroup)
	return w, err
}

// found is what a search of the listener's rules turned up.
type found struct {
	rule    *types.Rule // berth's rule for r (tags match), or a foreign rule at r's priority
	foreign bool        // rule is not berth's
	// sibling is another berth resource's rule (same app and stage) holding r's priority,
	// e.g. mid-way through a priority move: waiting resolves it.
	sibling string
}

// searchRule lists the listener's rules and their tags: nil when neither berth's rule nor
// a sibling's at its priority is there. A missing listener means no rule.
func searchRule(ctx context.Context, c *ruleCall) (*found, error) {
	env, r, w := c.Env, c.R, c.Props
	var rules []types.Rule
	in := &elb.DescribeRulesInput{ListenerArn: aws.String(w.listener)}
	for {
		out, err := c.API.DescribeRules(ctx, in)
		if provision.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, provision.ClassifyFor(err, "describe", r)
		}
		rules = append(rules, out.Rules...)
		if aws.ToString(out.NextMarker) == "" {
			break
		}
		in.Marker = out.NextMarker
	}
	var arns []string
	for _, x := range rules {
		if !aws.ToBool(x.IsDefault) {
			arns = append(arns, aws.ToString(x.RuleArn))
		}
	}
	tagMap, err := tagsOf(ctx, c.API, arns)
	if err != nil {
		return nil, provision.ClassifyFor(err, "describe tags", r)
	}
	var f found
	for i, x := range rules {
		t := tagMap[aws.ToString(x.RuleArn)]
		switch {
		case aws.ToBool(x.IsDefault):
		case provision.Owned(env, r, t):
			return &found{rule: &rules[i]}, nil
		case aws.ToString(x.Priority) != strconv.Itoa(w.priority):
		case t[provision.TagApp] == env.App && t[provision.TagStage] == env.Stage:
			f.sibling = t[provision.TagResource]
		default:
			f.rule, f.foreign = &rules[i], true
		}
	}
	if f.rule == nil && f.sibling == "" {
		return nil, nil
	}
	return &f, nil
}

// headerOf renders a rule's first http-header condition not on skip as "name=value".
func headerOf(x *types.Rule, skip string) (name, value string) {
	for _, c := range x.Conditions {
		if h := c.HttpHeaderConfig; h != nil && (skip == "" || !strings.EqualFold(aws.ToString(h.HttpHeaderName), skip)) {
			return aws.ToString(h.HttpHeaderName), strings.Join(h.Values, ",")
		}
	}
	return "", ""
}

// pathAndHostOf renders a rule's path-pattern and host-header conditions. AWS returns
// them both in the condition's config and, for compatibility, in Values.
func pathAndHostOf(x *types.Rule) (path, host string) {
	for _, c := range x.Conditions {
		switch field := aws.ToString(c.Field); {
		case c.PathPatternConfig != nil:
			path = strings.Join(c.PathPatternConfig.Values, ",")
		case c.HostHeaderConfig != nil:
			host = strings.Join(c.HostHeaderConfig.Values, ",")
		case field == "path-pattern":
			path = strings.Join(c.Values, ",")
		case field == "host-header":
			host = strings.Join(c.Values, ",")
		}
	}
	return path, host
}

// credentialOf renders the rule's credential condition without its value: only whether
// it is berth's.
func credentialOf(x *types.Rule, w ruleWant) string {
	for _, c := range x.Conditions {
		if h := c.HttpHeaderConfig; h != nil && strings.EqualFold(aws.ToString(h.HttpHeaderName), w.credHeader) {
			if len(h.Values) == 1 && h.Values[0] == w.credValue {
				return w.credHeader + " = berth's credential"
			}
			return w.credHeader + " = another value"
		}
	}
	return "(none)"
}

func ruleDiff(w ruleWant, x *types.Rule) provision.Diffs {
	var d provision.Diffs
	d.Add("priority", strconv.Itoa(w.priority), aws.ToString(x.Priority))
	name, value := headerOf(x, w.credHeader)
	if !strings.EqualFold(name, w.header) { // header names are case-insensitive
		d.Add("headerName", w.header, name)
	}
	d.Add("headerValue", w.value, value)
	path, host := pathAndHostOf(x)
	d.Add("pathPattern", w.path, path)
	if !strings.EqualFold(host, w.host) { // host names are case-insensitive
		d.Add("host", w.host, host)
	}
	if w.credHeader != "" || len(x.Conditions) > 1 {
		want := "(none)"
		if w.credHeader != "" {
			want = w.credHeader + " = berth's credential"
		}
		d.Add("credential", want, credentialOf(x, w))
	}
	d.Add("targetGroup", "forward "+w.targetGroup, renderActions(x.Actions))
	return d
}

func ruleOutputs(r plan.Resource, x *types.Rule) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(x.RuleArn), plan.AttrName: r.Name}
}

// conditions are the rule's match: the router's header, or a private app's path pattern
// (ALB's "*" matches any characters and its patterns are case-sensitive, so "/api/*"
// matches "/api/" and below but not "/api", as the router does) and host.
func (w ruleWant) conditions() []types.RuleCondition {
	var out []types.RuleCondition
	if w.header != "" {
		out = append(out, types.RuleCondition{
			Field:            aws.String("http-header"),
			HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String(w.header), Values: []string{w.value}},
		})
	}
	if w.credHeader != "" {
		out = append(out, types.RuleCondition{
			Field:            aws.String("http-header"),
			HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String(w.credHeader), Values: []string{w.credValue}},
		})
	}
	if w.path != "" {
		out = append(out, types.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{w.path}}})
	}
	if w.host != "" {
		out = append(out, types.RuleCondition{Field: aws.String("host-header"), HostHeaderConfig: &types.HostHeaderConditionConfig{Values: []string{w.host}}})
	}
	return out
}

func (w ruleWant) actions() []types.Action {
	return []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(w.targetGroup)}}
}

// createRule makes the rule at its priority.
func createRule(ctx context.Context, c *ruleCall) (provision.Outputs, error) {
	w, err := c.Props.complete(c.Env)
	if err != nil {
		return nil, err
	}
	out, err := c.API.CreateRule(ctx, &elb.CreateRuleInput{
		ListenerArn: aws.String(w.listener),
		Priority:    aws.Int32(int32(w.priority)),
		Conditions:  w.conditions(),
		Actions:     w.actions(),
		Tags:        tags(c.Env, c.R),
	})
	if err != nil {
		return nil, err
	}
	return ruleOutputs(c.R, &out.Rules[0]), nil
}

// updateRule changes what differs on berth's rule x: its match and action in one call,
// its priority in another.
func updateRule(ctx context.Context, c *ruleCall, x *types.Rule) (provision.Outputs, error) {
	w, err := c.Props.complete(c.Env)
	if err != nil {
		return nil, err
	}
	d := ruleDiff(w, x)
	if d.Has("headerName") || d.Has("headerValue") || d.Has("pathPattern") || d.Has("host") || d.Has("credential") || d.Has("targetGroup") {
		if _, err := c.API.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: x.RuleArn, Conditions: w.conditions(), Actions: w.actions()}); err != nil {
			return nil, provision.ClassifyFor(err, "modify", c.R)
		}
	}
	if d.Has("priority") {
		_, err := c.API.SetRulePriorities(ctx, &elb.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{
			{RuleArn: x.RuleArn, Priority: aws.Int32(int32(w.priority))},
		}})
		if err != nil {
			return nil, provision.ClassifyFor(err, "set priority", c.R)
		}
	}
	return ruleOutputs(c.R, x), nil
}
