// Package provision holds the contract every AWS resource kind implements (Observe,
// Create, Update, Delete) and the typed errors the state machine matches on. One
// sub-package per AWS service implements it for that service's kinds.
package provision

import (
	"context"

	"github.com/berth-dev/berth/internal/plan"
)

// Outputs are a resource's runtime attributes once it exists: "Arn", "Id", "DomainName",
// "Url", ... Other resources' plan.Refs resolve against them.
type Outputs map[string]string

// FieldDiff is one field where the live resource differs from the desired one. Values are
// rendered for humans; secret values are never rendered (see plan.EnvValue).
type FieldDiff struct {
	Field   string `json:"field"`
	Desired string `json:"desired"`
	Actual  string `json:"actual"`
}

// Absent renders the missing side of a FieldDiff for things that are either there or not
// (a route key in a store).
const Absent = "(absent)"

// Observation is what Observe found. Observe is read-only.
type Observation struct {
	Exists bool `json:"exists"`
	// Ready is true once the resource can be depended on (function Active, service
	// stable, distribution Deployed, certificate Issued). Always true for kinds with no
	// readiness notion.
	Ready bool `json:"ready"`
	// Diff lists the fields that differ from the desired props; empty means up to date.
	Diff    []FieldDiff `json:"diff,omitempty"`
	Outputs Outputs     `json:"outputs,omitempty"`
}

// UpToDate reports whether the resource exists and matches.
func (o Observation) UpToDate() bool { return o.Exists && len(o.Diff) == 0 }

// Env is what every call needs beyond the resource itself.
type Env struct {
	App, Stage string
	// DeploymentID is the deployment acting ("" outside one, e.g. drift checks). Kinds
	// whose create takes an idempotency token scope it to the deployment: a later
	// deployment must not be answered with what an earlier one created and rolled back.
	DeploymentID    string
	Account, Region string
	// Refs resolves plan.Refs to other resources' outputs.
	Refs RefResolver
	// Secrets resolves secret environment references (plan.EnvValue.Ref) at apply time.
	// Values obtained through it must never be logged or returned in Outputs.
	Secrets SecretResolver
	// FingerprintKey keys secret fingerprints (plan.Fingerprint); the planner used the same.
	FingerprintKey []byte
}

// RefResolver resolves a reference to another resource's runtime attribute.
type RefResolver interface {
	Resolve(ref plan.Ref) (string, error)
}

// SecretResolver resolves "ssm:/path" and "env:NAME" references to their values.
type SecretResolver interface {
	ResolveSecret(ctx context.Context, ref string) (string, error)
}

// Provisioner manages one resource kind. All methods are idempotent: Create on an
// identical existing resource is a no-op returning its outputs; Delete of a missing
// resource succeeds. A resource with the expected name that berth does not own (missing
// or different ownership tags) is never modified or deleted: methods return
// *NotOwnedError. No method blocks for long: readiness is polled through Observe by the
// state machine.
type Provisioner interface {
	Observe(ctx context.Context, env Env, r plan.Resource) (Observation, error)
	Create(ctx context.Context, env Env, r plan.Resource) (Outputs, error)
	Update(ctx context.Context, env Env, r plan.Resource) (Outputs, error)
	Delete(ctx context.Context, env Env, r plan.Resource) error
}

// Registry maps each kind to its provisioner.
type Registry map[plan.Kind]Provisioner
