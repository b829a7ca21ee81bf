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

// ListenerRule provisions AWS::ElasticLoadBalancingV2::ListenerRule: "header
// props.HeaderName = props.HeaderValue (and, on a webhook rule, props.Credential's header
// = the container's plan.WebhookCredential) → forward to the container's target group", or
// on a private app "path props.PathPattern (and host props.Host) → forward". The credential
// is derived here and never rendered: diffs say only whether it matches. Rules have no
// name: berth finds its rule among the listener's by ownership tags, so a rule keeps its
// identity when its priority moves.
type ListenerRule struct{ client API }

// NewListenerRule returns the listener rule provisioner.
func NewListenerRule(client API) *ListenerRule { return &ListenerRule{client: client} }

// ruleWant is the desired rule with refs resolved.
type ruleWant struct {
	listener, targetGroup string
	priority              int
	header, value         string
	path, host            string
	// credHeader requires credValue (a plan.WebhookCredential) too, when set.
	credHeader, credValue string
}

func (p *ListenerRule) want(env provision.Env, r plan.Resource) (ruleWant, error) {
	props, err := provision.Decode[plan.ListenerRuleProps](r)
	if err != nil {
		return ruleWant{}, err
	}
	w := ruleWant{priority: props.Priority, header: props.HeaderName, value: props.HeaderValue, path: props.PathPattern, host: props.Host}
	if cr := props.Credential; cr != nil {
		if len(env.FingerprintKey) == 0 {
			return ruleWant{}, errors.New("the installation's secret key is not available: the webhook credential cannot be derived")
		}
		w.credHeader, w.credValue = cr.Name, plan.WebhookCredential(env.FingerprintKey, env.App, env.Stage, cr.Container)
	}
	if w.listener, err = env.Refs.Resolve(props.Listener); err != nil {
		return ruleWant{}, err
	}
	if w.targetGroup, err = env.Refs.Resolve(props.TargetGroup); err != nil {
		return ruleWant{}, err
	}
	return w, nil
}

// found is what a search of the listener's rules turned up.
type found struct {
	rule    *types.Rule // berth's rule for r (tags match), or a foreign rule at r's priority
	foreign bool        // rule is not berth's
	// sibling is another berth resource's rule (same app and stage) holding r's priority,
	// e.g. mid-way through a priority move: waiting resolves it.
	sibling string
}

// search lists the listener's rules and their tags. A missing listener means no rule.
func (p *ListenerRule) search(ctx context.Context, env provision.Env, r plan.Resource, w ruleWant) (found, error) {
	var rules []types.Rule
	in := &elb.DescribeRulesInput{ListenerArn: aws.String(w.listener)}
	for {
		out, err := p.client.DescribeRules(ctx, in)
		if provision.IsNotFound(err) {
			return found{}, nil
		}
		if err != nil {
			return found{}, provision.Classify(err, "describe", string(r.Kind), r.Name)
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
	tagMap, err := tagsOf(ctx, p.client, arns)
	if err != nil {
		return found{}, provision.Classify(err, "describe tags", string(r.Kind), r.Name)
	}
	var f found
	for i, x := range rules {
		t := tagMap[aws.ToString(x.RuleArn)]
		switch {
		case aws.ToBool(x.IsDefault):
		case provision.Owned(env, r, t):
			return found{rule: &rules[i]}, nil
		case aws.ToString(x.Priority) != strconv.Itoa(w.priority):
		case t[provision.TagApp] == env.App && t[provision.TagStage] == env.Stage:
			f.sibling = t[provision.TagResource]
		default:
			f.rule, f.foreign = &rules[i], true
		}
	}
	return f, nil
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

// Observe reports berth's rule and how it differs.
func (p *ListenerRule) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := p.want(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	f, err := p.search(ctx, env, r, w)
	if err != nil || f.rule == nil {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: ruleOutputs(r, f.rule)}
	if f.foreign {
		obs.Diff = []provision.FieldDiff{provision.NotOwnedDiff(env, r)}
		return obs, nil
	}
	obs.Diff = ruleDiff(w, f.rule)
	return obs, nil
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

// Create makes the rule, or brings berth's existing rule in line. A foreign rule at the
// priority is a *provision.NotOwnedError; another berth rule there is transient (the plan
// moves it in the same deploy).
func (p *ListenerRule) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	w, err := p.want(env, r)
	if err != nil {
		return nil, err
	}
	f, err := p.search(ctx, env, r, w)
	switch {
	case err != nil:
		return nil, err
	case f.foreign:
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	case f.rule != nil:
		return p.update(ctx, r, w, f.rule)
	case f.sibling != "":
		return nil, &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "create",
			Cause: "priority " + strconv.Itoa(w.priority) + " is still held by berth's " + f.sibling + ", which this deploy moves"}
	}
	out, err := p.client.CreateRule(ctx, &elb.CreateRuleInput{
		ListenerArn: aws.String(w.listener),
		Priority:    aws.Int32(int32(w.priority)),
		Conditions:  w.conditions(),
		Actions:     w.actions(),
		Tags:        tags(env, r),
	})
	if err != nil {
		return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
	}
	return ruleOutputs(r, &out.Rules[0]), nil
}

// Update is Create: it finds berth's rule and changes what differs.
func (p *ListenerRule) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

func (p *ListenerRule) update(ctx context.Context, r plan.Resource, w ruleWant, x *types.Rule) (provision.Outputs, error) {
	d := ruleDiff(w, x)
	if d.Has("headerName") || d.Has("headerValue") || d.Has("pathPattern") || d.Has("host") || d.Has("credential") || d.Has("targetGroup") {
		if _, err := p.client.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: x.RuleArn, Conditions: w.conditions(), Actions: w.actions()}); err != nil {
			return nil, provision.Classify(err, "modify", string(r.Kind), r.Name)
		}
	}
	if d.Has("priority") {
		_, err := p.client.SetRulePriorities(ctx, &elb.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{
			{RuleArn: x.RuleArn, Priority: aws.Int32(int32(w.priority))},
		}})
		if err != nil {
			return nil, provision.Classify(err, "set priority", string(r.Kind), r.Name)
		}
	}
	return ruleOutputs(r, x), nil
}

// Delete removes berth's rule; a foreign rule at the priority is refused.
func (p *ListenerRule) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	// Only the listener is needed: a removal must not depend on the target group's ref.
	props, err := provision.Decode[plan.ListenerRuleProps](r)
	if err != nil {
		return err
	}
	w := ruleWant{priority: props.Priority}
	if w.listener, err = env.Refs.Resolve(props.Listener); err != nil {
		return err
	}
	f, err := p.search(ctx, env, r, w)
	switch {
	case err != nil || f.rule == nil:
		return err
	case f.foreign:
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = p.client.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: f.rule.RuleArn})
	return deleted(r, err)
}
