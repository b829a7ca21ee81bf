package plan

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/berth-dev/berth/internal/config"
)

// Fingerprint is the digest a plan keeps instead of a secret value: an HMAC-SHA256 keyed
// with the installation's secret key (Target.FingerprintKey) over app/stage/name/value.
// It changes when the value changes, so a rotated secret shows up as an update, but
// without the key nobody who reads a plan or the state can test guesses of the value.
func Fingerprint(key []byte, app, stage, name, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(app + "/" + stage + "/" + name + "/" + value))
	return hex.EncodeToString(m.Sum(nil))
}

// envValues converts a container's environment. Secret values never reach the plan: only
// their Ref and Fingerprint do, and the deployer re-resolves Ref at apply time. Values not
// known yet (offline planning) keep only their Ref.
// Without a key (planning outside the deployer) a secret keeps only its Ref, as when it is
// unresolved.
func envValues(key []byte, app, stage string, env []config.EnvVar, into map[string]EnvValue) {
	for _, e := range env {
		switch {
		case e.Secret && !e.Unresolved && len(key) > 0:
			into[e.Name] = EnvValue{Ref: e.Ref, Fingerprint: Fingerprint(key, app, stage, e.Name, e.Value)}
		case e.Secret || e.Unresolved:
			into[e.Name] = EnvValue{Ref: e.Ref}
		default:
			into[e.Name] = EnvValue{Value: e.Value}
		}
	}
}
