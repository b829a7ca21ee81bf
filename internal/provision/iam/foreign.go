package iam

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// foreignObservation describes a role that has the expected name but is not berth's.
// Observe stays read-only and error-free; the "ownership" entry keeps it from ever looking
// up to date, and Create, Update and Delete refuse it with *provision.NotOwnedError.
func foreignObservation(env provision.Env, r plan.Resource, tags map[string]string) provision.Observation {
	render := func(app, stage, res string) string {
		return provision.TagApp + "=" + app + "," + provision.TagStage + "=" + stage + "," + provision.TagResource + "=" + res
	}
	return provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{
		Field:   "ownership",
		Desired: render(env.App, env.Stage, r.ID),
		Actual:  render(tags[provision.TagApp], tags[provision.TagStage], tags[provision.TagResource]),
	}}}
}
