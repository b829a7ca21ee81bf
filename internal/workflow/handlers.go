package workflow

import (
	"strings"

	"github.com/berth-dev/berth/internal/provision"
)

// Handlers maps each of berth's workflow functions, by its template name ("Validate" for
// ValidateFunction), to its handler on d. The Lambda mains (functions/<name>/main.go) and
// the local runtime both take their handler from here.
func Handlers(d *Deps) map[string]any {
	h := map[string]any{
		"Validate":   d.Validate,
		"Lock":       d.Lock,
		"Plan":       d.Plan,
		"Verify":     d.Verify,
		"Commit":     d.Commit,
		"Compensate": d.Compensate,
		"Unlock":     d.Unlock,
	}
	for _, fn := range provision.Functions {
		h[StepFunctionName(fn)] = d.Step
	}
	return h
}

// StepFunctionName is a step function's template name: "Compute" for "compute".
func StepFunctionName(fn string) string { return strings.ToUpper(fn[:1]) + fn[1:] }
