package lambda

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// foreignObservation describes a resource that has the expected name but is not berth's.
// Observe stays read-only and error-free (drift detection and removal need to see it);
// the "ownership" entry keeps it from ever looking up to date, and Create, Update and
// Delete refuse it with *provision.NotOwnedError.
func foreignObservation(env provision.Env, r plan.Resource, tags map[string]string) provision.Observation {
	return provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{ownershipDiff(env, r.ID, tags)}}
}

// ownershipDiff renders the ownership tags wanted and found.
func ownershipDiff(env provision.Env, id string, tags map[string]string) provision.FieldDiff {
	render := func(app, stage, res string) string {
		return provision.TagApp + "=" + app + "," + provision.TagStage + "=" + stage + "," + provision.TagResource + "=" + res
	}
	return provision.FieldDiff{
		Field:   "ownership",
		Desired: render(env.App, env.Stage, id),
		Actual:  render(tags[provision.TagApp], tags[provision.TagStage], tags[provision.TagResource]),
	}
}
