package workflow

import (
	"fmt"
	"strings"
	"time"
)

// The state machine matches these by Go type name: return them unwrapped.

// ConfigError: the config (or where it was uploaded) is invalid. Nothing in the account
// was changed; the deployment is recorded as FAILED with this message.
type ConfigError struct{ Message string }

func (e *ConfigError) Error() string { return e.Message }

// VerifyError: after applying, some resources do not match the plan.
type VerifyError struct{ Problems []string }

func (e *VerifyError) Error() string {
	return "verification failed after apply: " + strings.Join(e.Problems, "; ")
}

// LeftoverResourcesError: removal finished but berth-owned resources remain.
type LeftoverResourcesError struct{ Items []InventoryItem }

func (e *LeftoverResourcesError) Error() string {
	var names []string
	for _, it := range e.Items {
		names = append(names, it.Type+" "+it.Name)
	}
	return fmt.Sprintf("removal left %d berth-owned resources: %s", len(e.Items), strings.Join(names, ", "))
}

// StepTimeoutError: a resource did not become ready within its kind's time budget.
type StepTimeoutError struct {
	StepID  string
	Waited  string
	Problem string
}

func (e *StepTimeoutError) Error() string {
	return fmt.Sprintf("%s not ready after %s: %s", e.StepID, e.Waited, e.Problem)
}

// LockWaitError: a removal found its app/stage locked by another deployment for longer
// than it waits.
type LockWaitError struct {
	Holder string
	Waited time.Duration
}

func (e *LockWaitError) Error() string {
	return fmt.Sprintf("deployment %s held the app/stage lock for more than %s: run the removal again once it has ended (berth status shows it)", e.Holder, e.Waited)
}

// StepFailedError: a step of an earlier wave (a child execution of the wave's Map) failed;
// Cause is its own error, as it recorded it.
type StepFailedError struct{ StepID, Cause string }

func (e *StepFailedError) Error() string { return "step " + e.StepID + " failed: " + e.Cause }

// WaveFailedError: a wave's Map failed without any step recording why (the Map run itself
// failed, or a step could not record its error).
type WaveFailedError struct{ Cause string }

func (e *WaveFailedError) Error() string { return "a wave of steps failed: " + e.Cause }

// RolledBackError: the deployment is being rolled back, so this step did nothing.
type RolledBackError struct{ StepID string }

func (e *RolledBackError) Error() string {
	return e.StepID + ": not applied: the deployment is rolling back"
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// PlanMissingError: a step names something the stored plan does not hold (a bug or a
// tampered artifact); never guess.
type PlanMissingError struct{ What string }

func (e *PlanMissingError) Error() string { return "stored plan has no " + e.What }
