package workflow

import (
	"context"
	"log/slog"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// Locks is the app/stage deploy lock (Lock takes it; Commit hands it on).
type Locks interface {
	Acquire(ctx context.Context, app, stage, holder string, req state.Request, lease time.Duration, now time.Time) (state.LockResult, error)
	Release(ctx context.Context, app, stage, holder string) (*state.Request, error)
}

// Records are the deployment records every task reports its progress to.
type Records interface {
	CreateDeployment(ctx context.Context, d state.Deployment) error
	GetDeployment(ctx context.Context, app, stage, id string) (*state.Deployment, error)
	GetDeploymentHeader(ctx context.Context, app, stage, id string) (*state.Deployment, error)
	FinishDeployment(ctx context.Context, app, stage, id string, status state.Status, errText string, ended time.Time) error
	SetStatus(ctx context.Context, app, stage, id string, status state.Status) error
	SetOutputs(ctx context.Context, app, stage, id string, outputs map[string]string) error
	AddStep(ctx context.Context, app, stage, id string, s state.StepRecord) error
	AddCalls(ctx context.Context, app, stage, id, invocationID string, s awscalls.Summary) error
}

// Journals is the write-ahead journal Step appends to and Compensate and Commit read.
type Journals interface {
	AppendJournal(ctx context.Context, app, stage, id string, e state.JournalEntry) error
	Journal(ctx context.Context, app, stage, id string) ([]state.JournalEntry, error)
}

// Plans are the stored plans: Plan writes one, the later tasks read it.
type Plans interface {
	SavePlan(ctx context.Context, app, stage, id string, p *plan.Plan) error
	LoadPlan(ctx context.Context, app, stage, id string) (*plan.Plan, error)
}

// AppliedStates is what a stage runs: read by Plan, Step and Compensate, written by
// Commit; LoadDrift is the drift report Plan repairs.
type AppliedStates interface {
	SaveApplied(ctx context.Context, app, stage string, a state.Applied) error
	LoadDrift(ctx context.Context, app, stage string) (*state.DriftReport, error)
	LoadApplied(ctx context.Context, app, stage string) (*state.Applied, error)
	DeleteApplied(ctx context.Context, app, stage string) error
}

// Apps lists the deployed app/stages (for drift); Commit keeps it.
type Apps interface {
	RegisterApp(ctx context.Context, app, stage string) error
	UnregisterApp(ctx context.Context, app, stage string) error
}

// ConfigSource reads one version of a config object.
type ConfigSource interface {
	// GetConfig returns the object body and its user metadata.
	GetConfig(ctx context.Context, bucket, key, versionID string) ([]byte, map[string]string, error)
	// LatestVersion returns the newest version id of a config object.
	LatestVersion(ctx context.Context, bucket, key string) (string, error)
}

// ZoneFinder checks that a Route 53 hosted zone exists for a custom domain, so a config
// naming a domain berth cannot validate fails before anything is created.
type ZoneFinder interface {
	FindZone(ctx context.Context, domain string) (string, error)
}

// Starter starts a deploy execution (for the newest pending config after a deployment).
type Starter interface {
	StartDeploy(ctx context.Context, req Request) (executionArn string, err error)
}

// Inventory lists every berth-owned resource of an app/stage, found by ownership tags.
type Inventory interface {
	List(ctx context.Context, app, stage string) ([]InventoryItem, error)
}

// InventoryItem is one berth-owned resource found in the account.
type InventoryItem struct {
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	Arn        string            `json:"arn,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Resolver resolves deploy-time variables (internal/secrets.Resolver satisfies it).
type Resolver interface {
	config.Resolver
	provision.SecretResolver
}

// Clients are the per-invocation AWS-facing dependencies, built around a call counter so
// every deployment can report its calls.
type Clients struct {
	Registry  provision.Registry
	Zones     ZoneFinder
	Inventory Inventory
	Network   NetworkChecker
	// PrivateZones checks a private app's deployment.awsAlb.privateHostedZoneId; nil
	// skips the check.
	PrivateZones PrivateZoneChecker
}

// NetworkChecker checks what a CloudFront VPC origin and the internal ALB need from the
// VPC (vpcID "" = the default VPC), returning each problem as a sentence naming the config
// key and the fix.
type NetworkChecker interface {
	CheckVpcOriginNetwork(ctx context.Context, vpcID string, subnetIDs []string, private bool) ([]string, error)
}

// PrivateZoneChecker checks the Route 53 hosted zone a private app's custom domains get
// their records in (zoneID): that it exists, is private, is associated with the app's
// VPC (vpcID "" = the default VPC) and holds every domain (config key → domain),
// returning each problem as a sentence naming the config key and the fix.
type PrivateZoneChecker interface {
	CheckPrivateZone(ctx context.Context, zoneID, vpcID string, domains map[string]string) ([]string, error)
}

// SourceFinder finds the packaged src of a config's containers that name no image (the
// front doors upload them; internal/stage implements it): the build plan.Build plans
// for each. Nil Deps.Sources means none.
type SourceFinder interface {
	Sources(ctx context.Context, c Ctx, cfg *config.Config) (map[string]plan.Source, error)
}

// Deps is everything the handlers need. Functions build it once per cold start.
type Deps struct {
	// Berth's bookkeeping by role (state.Store plays every role, state.Memory too): each
	// task uses only the roles it names, so a test sets only those.
	Locks    Locks
	Records  Records
	Journals Journals
	Plans    Plans
	Applied  AppliedStates
	Apps     Apps
	Configs  ConfigSource
	// Resolvers resolve ${ssm:} / ${env:} for one app/stage, at config time and (from
	// plan references) at apply time.
	Resolvers func(app, stage string) Resolver
	Starter   Starter
	// NewClients builds provisioning clients that count their calls in calls.
	NewClients func(calls *awscalls.Counter) Clients
	Target     plan.Target
	// Images pins image tags to digests at validate and plan time; nil keeps the tags.
	Images ImageResolver
	// Sources finds the uploaded src of containers built in the account; nil: none.
	Sources SourceFinder
	// PollSeconds, when set, replaces every kind's own wait between readiness polls and
	// the rollback fence's grace: the local runtime sets it, because its emulator answers
	// at once and its handlers run in process. Zero on AWS, where each kind's Budget.Wait
	// and FenceGrace apply.
	PollSeconds int
	// Lease bounds how long a crashed execution can hold a lock.
	Lease time.Duration
	// StepFunctionArns maps each of provision.Functions to its function's ARN: the wave loader
	// puts it in every StepRef and the state machines invoke it.
	StepFunctionArns map[string]string
	Now              func() time.Time
	Log              *slog.Logger
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now().UTC()
}

func (d *Deps) log(c Ctx, step string) *slog.Logger {
	l := d.Log
	if l == nil {
		l = slog.Default()
	}
	return l.With("deploymentId", c.DeploymentID, "app", c.App, "stage", c.Stage, "step", step)
}
