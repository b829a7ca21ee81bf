// Package kinds is the one list of resource kinds berth provisions: each provisioner
// package contributes its descriptors (its Kinds), and everything that needs to know
// something about a kind (the workflow's budgets, gates and step function, the IAM
// checks, the progress view, the inventory) looks it up here. A kind missing here is an
// error, never a default.
package kinds

import (
	"fmt"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/acm"
	"github.com/berth-dev/berth/internal/provision/autoscaling"
	"github.com/berth-dev/berth/internal/provision/cloudfront"
	"github.com/berth-dev/berth/internal/provision/codebuild"
	"github.com/berth-dev/berth/internal/provision/ec2"
	"github.com/berth-dev/berth/internal/provision/ecr"
	"github.com/berth-dev/berth/internal/provision/ecs"
	"github.com/berth-dev/berth/internal/provision/elbv2"
	"github.com/berth-dev/berth/internal/provision/events"
	"github.com/berth-dev/berth/internal/provision/iam"
	"github.com/berth-dev/berth/internal/provision/lambda"
	"github.com/berth-dev/berth/internal/provision/logs"
	"github.com/berth-dev/berth/internal/provision/route53"
	"github.com/berth-dev/berth/internal/provision/scheduler"
	"github.com/berth-dev/berth/internal/provision/wafv2"
)

var (
	all    []provision.Descriptor
	byKind = map[plan.Kind]provision.Descriptor{}
)

func init() {
	for _, l := range [][]provision.Descriptor{lambda.Kinds, logs.Kinds, iam.Kinds, ecs.Kinds, autoscaling.Kinds,
		ec2.Kinds, elbv2.Kinds, wafv2.Kinds, cloudfront.Kinds, acm.Kinds, route53.Kinds, scheduler.Kinds, events.Kinds,
		ecr.Kinds, codebuild.Kinds} {
		for _, d := range l {
			if _, dup := byKind[d.Kind]; dup {
				panic("kinds: " + string(d.Kind) + " is described twice")
			}
			byKind[d.Kind] = d
			all = append(all, d)
		}
	}
}

// All returns every kind's descriptor, in a fixed order.
func All() []provision.Descriptor { return append([]provision.Descriptor(nil), all...) }

// Lookup returns k's descriptor.
func Lookup(k plan.Kind) (provision.Descriptor, error) {
	d, ok := byKind[k]
	if !ok {
		return provision.Descriptor{}, &UnknownKindError{Kind: k}
	}
	return d, nil
}

// UnknownKindError is a kind no provisioner package describes: a plan or journal written
// by a berth that knew a kind this one does not, or a kind added to internal/plan without
// its descriptor.
type UnknownKindError struct{ Kind plan.Kind }

func (e *UnknownKindError) Error() string {
	return fmt.Sprintf("resource kind %q is not known to this berth: no provisioner package describes it (add it to its package's Kinds and to internal/provision/kinds)", e.Kind)
}
