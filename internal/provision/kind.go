package provision

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
)

// Descriptor is everything berth knows about one resource kind beyond its provisioner's
// verbs: which function applies it, how long it may take, what gates it, how berth
// recognises its own, and the IAM actions its verbs need. Each provisioner package
// exports its kinds' descriptors (Kinds in its kind.go); internal/provision/kinds
// gathers them, and the workflow, iamcheck, the progress view and the inventory read
// them there.
type Descriptor struct {
	Kind plan.Kind
	// Function is the state-machine function (and so the IAM role) that applies the
	// kind's steps: FunctionCompute, FunctionALB or FunctionCDN.
	Function string
	// Budget is how often a step of this kind is polled and how long it may take to
	// become ready (or gone).
	Budget Budget
	// DoneWhenExists ends a step once the resource exists, without waiting for Ready: a
	// certificate becomes ready only after its DNS validation records (later steps)
	// exist, so waiting for it would never end. What needs it ready says so in ReadyGates.
	DoneWhenExists bool
	// ReadyGates are kinds which, among this kind's dependencies, must be ready before a
	// step acts on it (CloudFront refuses a certificate that is not issued yet).
	ReadyGates []plan.Kind
	// Ownership is how the provisioner recognises a resource as berth's.
	Ownership Ownership
	// Permissions are the IAM actions each verb calls (see Permissions).
	Permissions Permissions
	// NothingToDelete: deleting a resource of this kind only drops it from the plan; what
	// it made stays in AWS under another resource's lifecycle (a build's image stays in
	// its repository, whose lifecycle policy expires it).
	NothingToDelete bool
	// WaitsFor says what a step of this kind waits for on AWS and how long that usually
	// takes, for the progress view; "" for kinds that are ready at once.
	WaitsFor string
	// Describe is how the inventory lists the kind's resources.
	Describe Describer
}

// The functions that apply plan steps, by the IAM group their roles grant: compute
// (Lambda, IAM, Logs, ECS, autoscaling, scheduler), alb (EC2, ELBv2, WAF) and cdn
// (CloudFront, ACM, Route 53, Lambda@Edge). template.yaml deploys each as berth-<name>.
const (
	FunctionCompute = "compute"
	FunctionALB     = "alb"
	FunctionCDN     = "cdn"
)

// Functions are the step functions a descriptor may name.
var Functions = []string{FunctionCompute, FunctionALB, FunctionCDN}

// Budget is how often a step is polled (Wait) and how long it may take in all (Limit).
type Budget struct {
	Wait, Limit time.Duration
}

// QuickBudget suits kinds AWS makes usable within seconds.
var QuickBudget = Budget{Wait: 2 * time.Second, Limit: 10 * time.Minute}

// Ownership is how a kind's provisioner tells berth's resource from somebody else's with
// the same name (see Provisioner: a resource berth does not own is never changed).
type Ownership int

const (
	// OwnedByTags: the resource carries berth's ownership tags (Tags).
	OwnedByTags Ownership = iota + 1
	// OwnedByMarker: the resource cannot be tagged and carries berth's marker in its
	// description (cloudfront.OwnerMarker).
	OwnedByMarker
	// OwnedByParentTags: the resource lives inside another one (a function's URL or
	// policy statement, a schedule's group, a key in a KeyValueStore) whose tags decide.
	OwnedByParentTags
	// OwnedByValue: the resource cannot be tagged and is berth's when its value is what
	// berth would write (a Route 53 record aliasing berth's distribution).
	OwnedByValue
	// OwnedByNone: the resource is a slot of a resource berth owns and has no identity of
	// its own (a load balancer's web ACL association, a service's scalable target).
	OwnedByNone
)

func (o Ownership) String() string {
	switch o {
	case OwnedByTags:
		return "tags"
	case OwnedByMarker:
		return "description marker"
	case OwnedByParentTags:
		return "parent's tags"
	case OwnedByValue:
		return "value"
	case OwnedByNone:
		return "none"
	}
	return "undeclared"
}
