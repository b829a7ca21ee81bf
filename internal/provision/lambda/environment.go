package lambda

import (
	"context"
	"sort"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Rendered stand-ins in a Diff. Live values are never rendered: a live variable may hold
// a secret from an earlier plan (or one set by hand), and a diff ends up in logs and
// deployment records. Desired literal values are shown; they are in the plan anyway.
const (
	secretDesired = "(secret)"
	secretChanged = "(secret changed)"
	unset         = "(unset)"
	isSet         = "(set)"
	otherValue    = "(different value)"
)

// resolveEnvironment returns the variables to send to Lambda, secrets resolved. The
// result holds secret values: it goes into the API request and nowhere else.
func resolveEnvironment(ctx context.Context, env provision.Env, r plan.Resource, vars map[string]plan.EnvValue) (map[string]string, error) {
	out := make(map[string]string, len(vars))
	for name, v := range vars {
		if v.Ref == "" {
			out[name] = v.Value
			continue
		}
		if env.Secrets == nil {
			return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "environment variable " + name + " refers to a secret but no secret resolver is configured"}
		}
		val, err := env.Secrets.ResolveSecret(ctx, v.Ref)
		if err != nil {
			// The resolver's error names the reference, never the value.
			return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "environment variable " + name + ": cannot resolve " + v.Ref + ": " + err.Error()}
		}
		out[name] = val
	}
	return out, nil
}

// diffEnvironment compares desired variables with the live ones, field by field
// ("environment.NAME"). Secrets compare by fingerprint; when the plan carries none (the
// secret was unresolved at plan time) the secret is resolved now to fingerprint it.
func diffEnvironment(ctx context.Context, env provision.Env, desired map[string]plan.EnvValue, live map[string]string) ([]provision.FieldDiff, error) {
	var diffs []provision.FieldDiff
	for _, name := range envNames(desired, live) {
		d, inDesired := desired[name]
		v, inLive := live[name]
		field := "environment." + name
		switch {
		case !inDesired:
			diffs = append(diffs, provision.FieldDiff{Field: field, Desired: unset, Actual: isSet})
		case d.Ref == "" && (!inLive || v != d.Value):
			diffs = append(diffs, provision.FieldDiff{Field: field, Desired: d.Value, Actual: liveStandIn(inLive)})
		case d.Ref != "" && !inLive:
			diffs = append(diffs, provision.FieldDiff{Field: field, Desired: secretDesired, Actual: unset})
		case d.Ref != "":
			same, err := secretMatches(ctx, env, name, d, v)
			if err != nil {
				return nil, err
			}
			if !same {
				diffs = append(diffs, provision.FieldDiff{Field: field, Desired: secretDesired, Actual: secretChanged})
			}
		}
	}
	return diffs, nil
}

// secretMatches reports whether the live value is the desired secret.
func secretMatches(ctx context.Context, env provision.Env, name string, d plan.EnvValue, live string) (bool, error) {
	want := d.Fingerprint
	if want == "" {
		if env.Secrets == nil {
			return false, nil
		}
		val, err := env.Secrets.ResolveSecret(ctx, d.Ref)
		if err != nil {
			return false, &provision.PreconditionError{Kind: string(plan.KindFunction), Name: name, Problem: "cannot resolve " + d.Ref + ": " + err.Error()}
		}
		want = plan.Fingerprint(env.FingerprintKey, env.App, env.Stage, name, val)
	}
	return plan.Fingerprint(env.FingerprintKey, env.App, env.Stage, name, live) == want, nil
}

func liveStandIn(inLive bool) string {
	if !inLive {
		return unset
	}
	return otherValue
}

// envNames is the sorted union of desired and live variable names.
func envNames(desired map[string]plan.EnvValue, live map[string]string) []string {
	seen := map[string]bool{}
	var names []string
	for n := range desired {
		seen[n] = true
		names = append(names, n)
	}
	for n := range live {
		if !seen[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
