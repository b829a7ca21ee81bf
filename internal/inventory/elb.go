package inventory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
)

// elbBatch is how many ARNs one DescribeLoadBalancers, DescribeTargetGroups or
// DescribeTags call takes.
const elbBatch = 20

// loadBalancing lists berth's load balancers (DescribeLoadBalancers, batched), every
// listener on them (DescribeListeners per load balancer) and every non-default rule on
// those (DescribeRules per listener), with the listeners' and rules' Name tags
// (DescribeTags, batched, for those the tagging API did not return), and berth's target
// groups (DescribeTargetGroups, batched). A tagged listener or rule on a load balancer
// berth does not own is listed as the tagging API reports it.
func (l *Lister) loadBalancing(ctx context.Context, lbs, listeners, rules, tgs []tagged) ([]Item, error) {
	var c collector
	c.run("target groups", func() ([]Item, error) { return l.targetGroups(ctx, tgs) })
	c.run("load balancers", func() ([]Item, error) { return l.loadBalancers(ctx, lbs, listeners, rules) })
	return c.wait()
}

func (l *Lister) loadBalancers(ctx context.Context, lbs, taggedListeners, taggedRules []tagged) ([]Item, error) {
	tags := map[string]tagged{}
	for _, t := range slices.Concat(lbs, taggedListeners, taggedRules) {
		tags[t.arn] = t
	}
	found, err := describeEach(ctx, arnsOf(lbs), "LoadBalancerNotFound", func(batch []string) ([]elbtypes.LoadBalancer, error) {
		out, err := l.c.ELB.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: batch})
		if err != nil {
			return nil, err
		}
		return out.LoadBalancers, nil
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeLoadBalancers: %w", err)
	}
	type lbChildren struct {
		listeners []elbtypes.Listener
		rules     [][]elbtypes.Rule // per listener
	}
	children := make([]lbChildren, len(found))
	err = forEach(ctx, len(found), perItemParallel, func(i int) error {
		ls, err := l.listeners(ctx, aws.ToString(found[i].LoadBalancerArn))
		if err != nil {
			return err
		}
		children[i].listeners = ls
		children[i].rules = make([][]elbtypes.Rule, len(ls))
		for j, li := range ls {
			if children[i].rules[j], err = l.rules(ctx, aws.ToString(li.ListenerArn)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Name tags of the listeners and rules the tagging API did not return.
	var untagged []string
	for _, ch := range children {
		for j, li := range ch.listeners {
			if _, ok := tags[aws.ToString(li.ListenerArn)]; !ok {
				untagged = append(untagged, aws.ToString(li.ListenerArn))
			}
			for _, r := range ch.rules[j] {
				if _, ok := tags[aws.ToString(r.RuleArn)]; !ok {
					untagged = append(untagged, aws.ToString(r.RuleArn))
				}
			}
		}
	}
	names, err := l.nameTags(ctx, untagged)
	if err != nil {
		return nil, err
	}
	nameOfARN := func(arn, fallback string) string {
		if t, ok := tags[arn]; ok {
			return t.name(fallback)
		}
		if n := names[arn]; n != "" {
			return n
		}
		return fallback
	}

	var items []Item
	seen := map[string]bool{}
	berthLBs := map[string]bool{}
	for _, t := range lbs {
		berthLBs[t.arn] = true
	}
	for i, lb := range found {
		lbName := aws.ToString(lb.LoadBalancerName)
		state := ""
		if lb.State != nil {
			state = string(lb.State.Code)
		}
		items = append(items, Item{Type: string(plan.KindLoadBalancer), Name: lbName, Arn: aws.ToString(lb.LoadBalancerArn), Attributes: attrs(
			"scheme", string(lb.Scheme),
			"dnsName", aws.ToString(lb.DNSName),
			"type", string(lb.Type),
			"state", state,
			"vpcId", aws.ToString(lb.VpcId),
		)})
		for j, li := range children[i].listeners {
			port := itoa(li.Port)
			arn := aws.ToString(li.ListenerArn)
			seen[arn] = true
			items = append(items, Item{Type: string(plan.KindListener), Name: nameOfARN(arn, lbName+":"+port), Arn: arn, Attributes: attrs(
				"port", port,
				"protocol", string(li.Protocol),
				"loadBalancer", lbName,
			)})
			for _, r := range children[i].rules[j] {
				arn := aws.ToString(r.RuleArn)
				seen[arn] = true
				prio := aws.ToString(r.Priority)
				items = append(items, Item{Type: string(plan.KindListenerRule), Name: nameOfARN(arn, lbName+":"+port+"/"+prio), Arn: arn, Attributes: attrs(
					"port", port,
					"priority", prio,
					"conditions", conditions(r.Conditions),
					"targetGroups", forwardTargets(r.Actions),
					"loadBalancer", lbName,
				)})
			}
		}
	}
	// Tagged listeners and rules not found above: on a berth load balancer they are gone;
	// on another one, berth still tagged them, so they are listed as tagged.
	for _, t := range slices.Concat(taggedListeners, taggedRules) {
		if seen[t.arn] || berthLBs[loadBalancerOf(t.a)] {
			continue
		}
		items = append(items, Item{Type: t.typ, Name: t.name(nameOf(t.a)), Arn: t.arn})
	}
	return items, nil
}

// loadBalancerOf is the load balancer ARN a listener or rule ARN names:
// …:listener/app/<name>/<lb id>/<listener id>[/<rule id>] → …:loadbalancer/app/<name>/<lb id>.
func loadBalancerOf(a arnParts) string {
	seg := strings.Split(a.id, "/")
	if len(seg) < 3 {
		return ""
	}
	return "arn:" + a.partition + ":" + a.service + ":" + a.region + ":" + a.account + ":loadbalancer/" + strings.Join(seg[:3], "/")
}

func (l *Lister) listeners(ctx context.Context, lbArn string) ([]elbtypes.Listener, error) {
	in := &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)}
	var out []elbtypes.Listener
	for {
		page, err := l.c.ELB.DescribeListeners(ctx, in)
		if errorCode(err) == "LoadBalancerNotFound" {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("DescribeListeners: %w", err)
		}
		out = append(out, page.Listeners...)
		if aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		in.Marker = page.NextMarker
	}
}

// rules are a listener's rules except its default rule (the listener's default action,
// not a resource of its own).
func (l *Lister) rules(ctx context.Context, listenerArn string) ([]elbtypes.Rule, error) {
	in := &elb.DescribeRulesInput{ListenerArn: aws.String(listenerArn)}
	var out []elbtypes.Rule
	for {
		page, err := l.c.ELB.DescribeRules(ctx, in)
		if errorCode(err) == "ListenerNotFound" {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("DescribeRules: %w", err)
		}
		for _, r := range page.Rules {
			if !aws.ToBool(r.IsDefault) {
				out = append(out, r)
			}
		}
		if aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		in.Marker = page.NextMarker
	}
}

// nameTags returns the Name tags of ELBv2 resources, batched. A resource deleted
// meanwhile leaves its batch unnamed (the fallback names it).
func (l *Lister) nameTags(ctx context.Context, arns []string) (map[string]string, error) {
	names := map[string]string{}
	for _, batch := range batches(arns, elbBatch) {
		out, err := l.c.ELB.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		switch errorCode(err) {
		case "":
		case "ListenerNotFound", "RuleNotFound", "LoadBalancerNotFound", "TargetGroupNotFound":
			continue
		default:
			return nil, fmt.Errorf("DescribeTags: %w", err)
		}
		for _, d := range out.TagDescriptions {
			for _, t := range d.Tags {
				if aws.ToString(t.Key) == "Name" {
					names[aws.ToString(d.ResourceArn)] = aws.ToString(t.Value)
				}
			}
		}
	}
	return names, nil
}

func (l *Lister) targetGroups(ctx context.Context, tgs []tagged) ([]Item, error) {
	found, err := describeEach(ctx, arnsOf(tgs), "TargetGroupNotFound", func(batch []string) ([]elbtypes.TargetGroup, error) {
		out, err := l.c.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: batch})
		if err != nil {
			return nil, err
		}
		return out.TargetGroups, nil
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeTargetGroups: %w", err)
	}
	var items []Item
	for _, tg := range found {
		items = append(items, Item{Type: string(plan.KindTargetGroup), Name: aws.ToString(tg.TargetGroupName), Arn: aws.ToString(tg.TargetGroupArn), Attributes: attrs(
			"port", itoa(tg.Port),
			"protocol", string(tg.Protocol),
			"targetType", string(tg.TargetType),
			"healthCheckPath", aws.ToString(tg.HealthCheckPath),
			"vpcId", aws.ToString(tg.VpcId),
		)})
	}
	return items, nil
}

// describeEach describes arns in batches; when a batch fails because one of them is gone
// (notFound, the tagging API lagging a deletion), it describes that batch one by one and
// drops the missing.
func describeEach[T any](ctx context.Context, arns []string, notFound string, describe func([]string) ([]T, error)) ([]T, error) {
	var out []T
	for _, batch := range batches(arns, elbBatch) {
		got, err := describe(batch)
		if err == nil {
			out = append(out, got...)
			continue
		}
		if errorCode(err) != notFound {
			return nil, err
		}
		for _, arn := range batch {
			got, err := describe([]string{arn})
			if errorCode(err) == notFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
	}
	return out, nil
}

// conditions renders rule conditions compactly, sorted:
// "http-header:X-Berth-Container=api;path-pattern=/api/*,/api".
func conditions(cs []elbtypes.RuleCondition) string {
	var out []string
	for _, c := range cs {
		field := aws.ToString(c.Field)
		vals := c.Values
		switch {
		case c.PathPatternConfig != nil:
			vals = c.PathPatternConfig.Values
		case c.HostHeaderConfig != nil:
			vals = c.HostHeaderConfig.Values
		case c.HttpHeaderConfig != nil:
			field += ":" + aws.ToString(c.HttpHeaderConfig.HttpHeaderName)
			vals = c.HttpHeaderConfig.Values
		case c.HttpRequestMethodConfig != nil:
			vals = c.HttpRequestMethodConfig.Values
		case c.SourceIpConfig != nil:
			vals = c.SourceIpConfig.Values
		case c.QueryStringConfig != nil:
			vals = nil
			for _, kv := range c.QueryStringConfig.Values {
				vals = append(vals, aws.ToString(kv.Key)+":"+aws.ToString(kv.Value))
			}
		}
		out = append(out, field+"="+strings.Join(vals, ","))
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

// forwardTargets names the target groups a rule forwards to, comma-joined.
func forwardTargets(actions []elbtypes.Action) string {
	var out []string
	add := func(arn string) {
		if a, ok := parseARN(arn); ok {
			if n := nameOf(a); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	for _, a := range actions {
		if a.Type != elbtypes.ActionTypeEnumForward {
			continue
		}
		if a.TargetGroupArn != nil {
			add(aws.ToString(a.TargetGroupArn))
		}
		if a.ForwardConfig != nil {
			for _, tg := range a.ForwardConfig.TargetGroups {
				add(aws.ToString(tg.TargetGroupArn))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func arnsOf(ts []tagged) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.arn
	}
	return out
}

func batches(s []string, n int) [][]string {
	var out [][]string
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}
