package provision

import "github.com/berth-dev/berth/internal/plan"

// Ownership tag keys carried by every taggable resource berth creates.
const (
	TagApp      = "berth:app"
	TagStage    = "berth:stage"
	TagResource = "berth:resource"
)

// TagShared marks a resource berth shares between all apps of the account
// (plan.Resource.Shared); its value is the resource's logical id. Such a resource carries
// no app or stage tag, so no app's inventory or removal counts it as the app's.
const TagShared = "berth:shared"

// Tags returns the ownership tags for r.
func Tags(env Env, r plan.Resource) map[string]string {
	if r.Shared {
		return map[string]string{TagShared: r.ID}
	}
	return map[string]string{TagApp: env.App, TagStage: env.Stage, TagResource: r.ID}
}

// Owned reports whether tags mark the resource as r's, in env's app/stage (or, for a
// shared resource, as berth's shared one).
func Owned(env Env, r plan.Resource, tags map[string]string) bool {
	if r.Shared {
		return tags[TagShared] == r.ID && tags[TagApp] == ""
	}
	return tags[TagApp] == env.App && tags[TagStage] == env.Stage && tags[TagResource] == r.ID
}

// NotOwnedDiff is what Observe reports for a resource of the expected name that berth
// does not own: it exists (so nothing is created over it) and differs (so the workflow
// stops at the NotOwnedError of the following Create/Update instead of skipping it).
func NotOwnedDiff(env Env, r plan.Resource) FieldDiff {
	return FieldDiff{
		Field:   "ownership",
		Desired: TagApp + "=" + env.App + " " + TagStage + "=" + env.Stage + " " + TagResource + "=" + r.ID,
		Actual:  "not owned by berth",
	}
}

// MarkerPrefix begins the ownership marker berth writes where it cannot tag,
// berth:<app>/<stage>/<resource id> (cloudfront.OwnerMarker); the inventory finds
// app/stage's untaggable resources by it.
func MarkerPrefix(app, stage string) string { return "berth:" + app + "/" + stage + "/" }

// NotOwnedObservation is Observe's answer for a resource of the expected name that berth
// does not own: read-only and error-free (drift and removal must see it), never up to
// date; Create, Update and Delete refuse it with *NotOwnedError.
func NotOwnedObservation(env Env, r plan.Resource) Observation {
	return Observation{Exists: true, Ready: true, Diff: []FieldDiff{NotOwnedDiff(env, r)}}
}
