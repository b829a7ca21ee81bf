package plan

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/berth-dev/berth/internal/config"
)

// Fingerprint is the salted digest a plan keeps instead of a secret value: it changes when
// the value changes, so a rotated secret shows up as an update, but it reveals nothing
// useful (the app/stage/name salt defeats lookups of common values across apps).
func Fingerprint(app, stage, name, value string) string {
	sum := sha256.Sum256([]byte(app + "/" + stage + "/" + name + "/" + value))
	return hex.EncodeToString(sum[:])
}

// envValues converts a container's environment. Secret values never reach the plan: only
// their Ref and Fingerprint do, and the deployer re-resolves Ref at apply time. Values not
// known yet (offline planning) keep only their Ref.
func envValues(app, stage string, env []config.EnvVar, into map[string]EnvValue) {
	for _, e := range env {
		switch {
		case e.Secret && !e.Unresolved:
			into[e.Name] = EnvValue{Ref: e.Ref, Fingerprint: Fingerprint(app, stage, e.Name, e.Value)}
		case e.Secret || e.Unresolved:
			into[e.Name] = EnvValue{Ref: e.Ref}
		default:
			into[e.Name] = EnvValue{Value: e.Value}
		}
	}
}
