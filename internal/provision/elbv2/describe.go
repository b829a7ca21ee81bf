package elbv2

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of load balancers, their listeners and rules,
// and target groups.
type describeAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elb.DescribeLoadBalancersInput, optFns ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
	DescribeListeners(ctx context.Context, in *elb.DescribeListenersInput, optFns ...func(*elb.Options)) (*elb.DescribeListenersOutput, error)
	DescribeRules(ctx context.Context, in *elb.DescribeRulesInput, optFns ...func(*elb.Options)) (*elb.DescribeRulesOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
	DescribeTags(ctx context.Context, in *elb.DescribeTagsInput, optFns ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
}

// describeBatch is how many ARNs one DescribeLoadBalancers, DescribeTargetGroups or
// DescribeTags call takes.
const describeBatch = 20

var (
	// Application, network and gateway load balancers; a classic one (loadbalancer/<name>)
	// is not berth's kind.
	describeLoadBalancer = provision.Describer{ARNTypes: []string{"elasticloadbalancing:loadbalancer/app/",
		"elasticloadbalancing:loadbalancer/net/", "elasticloadbalancing:loadbalancer/gwy/"}, Items: describeLoadBalancers}
	describeTargetGroup  = provision.Describer{ARNTypes: []string{"elasticloadbalancing:targetgroup"}, Items: describeTargetGroups}
	describeListener     = provision.Describer{ARNTypes: []string{"elasticloadbalancing:listener"}, With: plan.KindLoadBalancer}
	describeListenerRule = provision.Describer{ARNTypes: []string{"elasticloadbalancing:listener-rule"}, With: plan.KindLoadBalancer}
	describeLambdaTarget = provision.Describer{Unlisted: "a registration of a function in a target group, not a resource: it has no ARN or tags and goes with its target group"}
)

// describeClient is the ELBv2 client of the region the resources are in (the app region:
// berth's load balancers live there).
func describeClient(s provision.Scope, found []provision.Tagged) describeAPI {
	return elb.NewFromConfig(s.Config(found[0].ARN.Region))
}

// describeLoadBalancers lists berth's load balancers (DescribeLoadBalancers, batched),
// every listener on them (DescribeListeners per load balancer) and every non-default rule
// on those (DescribeRules per listener), with the listeners' and rules' Name tags
// (DescribeTags, batched, for those the tagging API did not return). A tagged listener or
// rule on a load balancer berth does not own is listed as the tagging API reports it.
func describeLoadBalancers(ctx context.Context, s provision.Scope, lbs []provision.Tagged) ([]provision.Item, error) {
	taggedListeners, taggedRules := s.Found[plan.KindListener], s.Found[plan.KindListenerRule]
	all := slices.Concat(lbs, taggedListeners, taggedRules)
	if len(all) == 0 {
		return nil, nil
	}
	api := describeClient(s, all)
	tags := map[string]provision.Tagged{}
	for _, t := range all {
		tags[t.ARN.String()] = t
	}
	found, err := describeEach(provision.ARNs(lbs), "LoadBalancerNotFound", func(batch []string) ([]elbtypes.LoadBalancer, error) {
		out, err := api.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: batch})
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
	err = provision.ForEach(ctx, len(found), provision.PerItemParallel, func(i int) error {
		ls, err := describeListeners(ctx, api, aws.ToString(found[i].LoadBalancerArn))
		if err != nil {
			return err
		}
		children[i].listeners = ls
		children[i].rules = make([][]elbtypes.Rule, len(ls))
		for j, li := range ls {
			if children[i].rules[j], err = describeRules(ctx, api, aws.ToString(li.ListenerArn)); err != nil {
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
	names, err := nameTags(ctx, api, untagged)
	if err != nil {
		return nil, err
	}
	nameOfARN := func(arn, fallback string) string {
		if t, ok := tags[arn]; ok {
			return t.Name(fallback)
		}
		if n := names[arn]; n != "" {
			return n
		}
		return fallback
	}

	var items []provision.Item
	seen := map[string]bool{}
	berthLBs := map[string]bool{}
	for _, t := range lbs {
		berthLBs[t.ARN.String()] = true
	}
	for i, lb := range found {
		lbName := aws.ToString(lb.LoadBalancerName)
		state := ""
		if lb.State != nil {
			state = string(lb.State.Code)
		}
		items = append(items, provision.Item{Type: string(plan.KindLoadBalancer), Name: lbName, Arn: aws.ToString(lb.LoadBalancerArn), Attributes: provision.Attrs(
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
			items = append(items, provision.Item{Type: string(plan.KindListener), Name: nameOfARN(arn, lbName+":"+port), Arn: arn, Attributes: provision.Attrs(
				"port", port,
				"protocol", string(li.Protocol),
				"loadBalancer", lbName,
			)})
			for _, r := range children[i].rules[j] {
				arn := aws.ToString(r.RuleArn)
				seen[arn] = true
				prio := aws.ToString(r.Priority)
				items = append(items, provision.Item{Type: string(plan.KindListenerRule), Name: nameOfARN(arn, lbName+":"+port+"/"+prio), Arn: arn, Attributes: provision.Attrs(
					"port", port,
					"priority", prio,
					"conditions", listedConditions(r.Conditions),
					"targetGroups", forwardTargets(r.Actions),
					"loadBalancer", lbName,
				)})
			}
		}
	}
	// Tagged listeners and rules not found above: on a berth load balancer they are gone;
	// on another one, berth still tagged them, so they are listed as tagged.
	for _, t := range slices.Concat(taggedListeners, taggedRules) {
		if seen[t.ARN.String()] || berthLBs[loadBalancerOf(t.ARN)] {
			continue
		}
		items = append(items, provision.Item{Type: string(t.Kind), Name: t.Name(t.ARN.Name()), Arn: t.ARN.String()})
	}
	return items, nil
}

// loadBalancerOf is the load balancer ARN a listener or rule ARN names:
// …:listener/app/<name>/<lb id>/<listener id>[/<rule id>] → …:loadbalancer/app/<name>/<lb id>.
func loadBalancerOf(a provision.ARN) string {
	seg := strings.Split(a.ID, "/")
	if len(seg) < 3 {
		return ""
	}
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":loadbalancer/" + strings.Join(seg[:3], "/")
}

func describeListeners(ctx context.Context, api describeAPI, lbArn string) ([]elbtypes.Listener, error) {
	in := &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)}
	var out []elbtypes.Listener
	for {
		page, err := api.DescribeListeners(ctx, in)
		if provision.ErrorCode(err) == "LoadBalancerNotFound" {
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

// describeRules are a listener's rules except its default rule (the listener's default
// action, not a resource of its own).
func describeRules(ctx context.Context, api describeAPI, listenerArn string) ([]elbtypes.Rule, error) {
	in := &elb.DescribeRulesInput{ListenerArn: aws.String(listenerArn)}
	var out []elbtypes.Rule
	for {
		page, err := api.DescribeRules(ctx, in)
		if provision.ErrorCode(err) == "ListenerNotFound" {
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
func nameTags(ctx context.Context, api describeAPI, arns []string) (map[string]string, error) {
	names := map[string]string{}
	for _, batch := range provision.Batches(arns, describeBatch) {
		out, err := api.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		switch provision.ErrorCode(err) {
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

// describeTargetGroups reads berth's target groups (DescribeTargetGroups, batched).
func describeTargetGroups(ctx context.Context, s provision.Scope, tgs []provision.Tagged) ([]provision.Item, error) {
	if len(tgs) == 0 {
		return nil, nil
	}
	api := describeClient(s, tgs)
	found, err := describeEach(provision.ARNs(tgs), "TargetGroupNotFound", func(batch []string) ([]elbtypes.TargetGroup, error) {
		out, err := api.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: batch})
		if err != nil {
			return nil, err
		}
		return out.TargetGroups, nil
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeTargetGroups: %w", err)
	}
	var items []provision.Item
	for _, tg := range found {
		items = append(items, provision.Item{Type: string(plan.KindTargetGroup), Name: aws.ToString(tg.TargetGroupName), Arn: aws.ToString(tg.TargetGroupArn), Attributes: provision.Attrs(
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
func describeEach[T any](arns []string, notFound string, describe func([]string) ([]T, error)) ([]T, error) {
	var out []T
	for _, batch := range provision.Batches(arns, describeBatch) {
		got, err := describe(batch)
		if err == nil {
			out = append(out, got...)
			continue
		}
		if provision.ErrorCode(err) != notFound {
			return nil, err
		}
		for _, arn := range batch {
			got, err := describe([]string{arn})
			if provision.ErrorCode(err) == notFound {
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

// listedConditions renders rule conditions compactly, sorted:
// "http-header:X-Berth-Container=api;path-pattern=/api/*,/api".
func listedConditions(cs []elbtypes.RuleCondition) string {
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
		if a, ok := provision.ParseARN(arn); ok {
			if n := a.Name(); !slices.Contains(out, n) {
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

func itoa(v *int32) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(int(*v))
}
