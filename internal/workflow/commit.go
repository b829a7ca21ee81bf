package workflow

import (
	"context"
	"encoding/json"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// Commit records how a deployment ended. On success it saves the applied state first;
// in every case it then releases the lock and starts the newest pending config, if any,
// so queued uploads are deployed one after another and none is lost.
func (d *Deps) Commit(ctx context.Context, in CommitInput) (CommitOutput, error) {
	switch in.Outcome {
	case "invalid": // a bad config: nothing was changed, no lock is held
		return CommitOutput{}, d.recordBeforeLock(ctx, in, state.StatusFailed)
	case "aborted": // validation could not run: nothing was changed either
		return CommitOutput{}, d.recordBeforeLock(ctx, in, state.StatusRolledBack)
	}
	c := *in.Ctx
	status, errText := state.StatusFailed, causeOf(in.Error)
	switch in.Outcome {
	case "succeeded":
		public, err := d.saveApplied(ctx, c)
		if err != nil {
			return CommitOutput{}, err
		}
		if err := d.Records.SetOutputs(ctx, c.App, c.Stage, c.DeploymentID, public); err != nil {
			return CommitOutput{}, err
		}
		status, errText = state.StatusSucceeded, ""
	case "removed":
		if err := d.Applied.DeleteApplied(ctx, c.App, c.Stage); err != nil {
			return CommitOutput{}, err
		}
		if err := d.Apps.UnregisterApp(ctx, c.App, c.Stage); err != nil {
			return CommitOutput{}, err
		}
		status, errText = state.StatusSucceeded, ""
	case "rolled_back":
		status = state.StatusRolledBack
	}
	if err := d.Records.FinishDeployment(ctx, c.App, c.Stage, c.DeploymentID, status, errText, d.now()); err != nil {
		return CommitOutput{}, err
	}
	d.log(c, "commit").Info("deployment ended", "status", status, "error", errText)
	return d.releaseAndContinue(ctx, c)
}

// saveApplied stores what this deployment applied and returns its public outputs.
func (d *Deps) saveApplied(ctx context.Context, c Ctx) (map[string]string, error) {
	p, err := d.Plans.LoadPlan(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return nil, err
	}
	applied, err := d.Applied.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return nil, err
	}
	journal, err := d.Journals.Journal(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return nil, err
	}
	all := Outputs(applied, journal)
	outputs := map[string]provision.Outputs{}
	for _, r := range p.Desired.Resources {
		if o, ok := all[r.ID]; ok {
			outputs[r.ID] = o
		}
	}
	if err := d.Applied.SaveApplied(ctx, c.App, c.Stage, state.Applied{Desired: p.Desired, Outputs: outputs,
		ConfigBucket: c.Bucket, ConfigKey: c.Key, ConfigVersion: c.VersionID, DeploymentID: c.DeploymentID, UpdatedAt: d.now()}); err != nil {
		return nil, err
	}
	d.pruneSuperseded(ctx, c, p, outputs)
	public := map[string]string{"distributionDomain": distributionDomain(p.Desired, all)}
	aliases, _ := stage.Aliases(p.Desired) // Plan built this graph, so its props decode
	for _, dom := range aliases {
		public["domain:"+dom] = "https://" + dom
	}
	return public, d.Apps.RegisterApp(ctx, c.App, c.Stage)
}

// pruner is a provisioner whose updates leave the superseded version in place until the
// deployment commits, so that a rollback can put it back (ECS task definition revisions).
type pruner interface {
	Prune(ctx context.Context, env provision.Env, r plan.Resource, keep provision.Outputs) error
}

// liveMarker is a provisioner that marks, in a repository, the image a committed
// deployment runs, so the repository's lifecycle policy keeps it (ECR repositories).
type liveMarker interface {
	MarkLive(ctx context.Context, env provision.Env, repository plan.Resource, image string) error
}

// pruneSuperseded lets go of what this deployment's updates superseded: older task
// definition revisions, and the live mark of images no longer run. The deployment is
// already committed, so a failure only leaves an unused version behind (or an image kept
// only while among the most recently pushed), which the next commit that changes it
// fixes: it is logged, never a reason to roll back.
func (d *Deps) pruneSuperseded(ctx context.Context, c Ctx, p *plan.Plan, outputs map[string]provision.Outputs) {
	calls := awscalls.New()
	defer d.recordCalls(ctx, c, "commit", calls)
	imagesChanged := map[string]bool{} // containers whose image nodes this deployment changed
	for _, s := range p.Steps {
		if s.Action != plan.Noop && plan.MakesImage(s.Kind) {
			imagesChanged[s.Container] = true
		}
		if s.Action != plan.Update && s.Action != plan.Create {
			continue
		}
		r, ok := findResource(p.Desired, s.ID)
		if !ok {
			continue
		}
		prov, env, err := d.provisioner(calls, c, r.Kind, outputs)
		pr, ok := prov.(pruner)
		if err != nil || !ok {
			continue
		}
		if err := pr.Prune(ctx, env, r, outputs[r.ID]); err != nil {
			d.log(c, "commit").Warn("could not remove a superseded version; the next commit retries", "id", r.ID, "error", err)
		}
	}
	for repoID, imageID := range plan.LiveImages(p.Desired) {
		// An image is new, or the adapter layer came or went (a compute switch), or the
		// image holds the mark already.
		repo, ok := findResource(p.Desired, repoID)
		if !ok || !imagesChanged[repo.Container] {
			continue
		}
		prov, env, err := d.provisioner(calls, c, repo.Kind, outputs)
		m, ok := prov.(liveMarker)
		if err != nil || !ok {
			continue
		}
		if err := m.MarkLive(ctx, env, repo, outputs[imageID][plan.AttrImage]); err != nil {
			d.log(c, "commit").Warn("could not mark the deployed image live; the lifecycle policy keeps it only while among the most recent", "id", repoID, "error", err)
		}
	}
}

func (d *Deps) releaseAndContinue(ctx context.Context, c Ctx) (CommitOutput, error) {
	next, err := d.Locks.Release(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil || next == nil {
		return CommitOutput{}, err
	}
	arn, err := d.Starter.StartDeploy(ctx, Request{Bucket: next.Bucket, Key: next.Key, VersionID: next.VersionID, Source: "queue", DeploymentID: next.DeploymentID})
	if err != nil {
		return CommitOutput{}, err
	}
	d.log(c, "commit").Info("started the newest queued config", "execution", arn, "version", next.VersionID)
	return CommitOutput{Next: arn}, nil
}

// recordBeforeLock records a deployment that ended in validation: nothing was changed
// and no lock is held, so there is nothing else to do.
func (d *Deps) recordBeforeLock(ctx context.Context, in CommitInput, status state.Status) error {
	if in.Request == nil {
		return nil
	}
	app, stg, ok := stage.ParseKey(in.Request.Key)
	if !ok {
		d.Log.Warn("invalid config at an unusable key", "key", in.Request.Key, "error", causeOf(in.Error))
		return nil
	}
	var x Execution
	if in.Execution != nil {
		x = *in.Execution
	}
	var meta map[string]string
	if in.Request.DeploymentID == "" && in.Request.VersionID != "" {
		// The upload may carry the id the API or CLI returned for it.
		if _, m, err := d.Configs.GetConfig(ctx, in.Request.Bucket, in.Request.Key, in.Request.VersionID); err == nil {
			meta = m
		}
	}
	id := deploymentID(*in.Request, meta, x)
	now := d.now()
	if err := d.startRecord(ctx, state.Deployment{ID: id, App: app, Stage: stg, Status: state.StatusRunning,
		Source: state.Source(orDefault(in.Request.Source, "s3")), Bucket: in.Request.Bucket, Key: in.Request.Key, ConfigVersion: in.Request.VersionID, Started: now}); err != nil {
		return err
	}
	return d.Records.FinishDeployment(ctx, app, stg, id, status, causeOf(in.Error), now)
}

// causeOf extracts the error message from a Step Functions Cause (for Lambda errors a
// JSON document {errorType, errorMessage}).
func causeOf(e *StepError) string {
	if e == nil {
		return ""
	}
	var lambdaErr struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		return lambdaErr.ErrorType + ": " + lambdaErr.ErrorMessage
	}
	if e.Cause == "" {
		return e.Error
	}
	return e.Error + ": " + e.Cause
}

// distributionDomain is the public entry point of an applied graph.
func distributionDomain(g *plan.Desired, outputs provision.OutputsByID) string {
	if r, ok := g.Distribution(); ok {
		return outputs[r.ID]["DomainName"]
	}
	return ""
}
