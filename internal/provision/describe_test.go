package provision

import (
	"context"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
)

func TestAKindSaysExactlyOnceHowTheInventoryListsIt(t *testing.T) {
	items := func(context.Context, Scope, []Tagged) ([]Item, error) { return nil, nil }
	for _, c := range []struct {
		sentence string
		d        Describer
		want     bool
	}{
		{"nothing said is incomplete", Describer{}, false},
		{"ARN types alone list what the scan finds", Describer{ARNTypes: []string{"logs:log-group"}}, true},
		{"a function of its own lists the kind", Describer{Items: items}, true},
		{"a kind listed with another may name its ARN types for the scan", Describer{ARNTypes: []string{"elasticloadbalancing:listener"}, With: plan.KindLoadBalancer}, true},
		{"a kind listed with another has no function of its own", Describer{Items: items, With: plan.KindLoadBalancer}, false},
		{"an unlisted kind is only that", Describer{Unlisted: "cannot be tagged", ARNTypes: []string{"route53:x"}}, false},
		{"a reason alone is enough", Describer{Unlisted: "cannot be tagged"}, true},
	} {
		t.Run(c.sentence, func(t *testing.T) {
			if got := c.d.Declared(); got != c.want {
				t.Errorf("Declared() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestAnARNTypeMatchesItsServiceTypeAndIdPrefix(t *testing.T) {
	d := Describer{ARNTypes: []string{"elasticloadbalancing:loadbalancer/app/", "ecs:task-definition"}}
	for _, c := range []struct {
		sentence, arn string
		want          bool
	}{
		{"an application load balancer matches", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/a/1", true},
		{"a network load balancer does not", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/a/1", false},
		{"a task definition matches", "arn:aws:ecs:eu-west-1:123456789012:task-definition/a:3", true},
		{"a task is not a task definition", "arn:aws:ecs:eu-west-1:123456789012:task/c/0123", false},
	} {
		t.Run(c.sentence, func(t *testing.T) {
			a, ok := ParseARN(c.arn)
			if !ok {
				t.Fatalf("%s does not parse", c.arn)
			}
			if got := d.Matches(a); got != c.want {
				t.Errorf("Matches = %v, want %v", got, c.want)
			}
		})
	}
}
