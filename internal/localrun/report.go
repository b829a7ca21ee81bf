package localrun

import (
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/workflow"
)

// Report is what `berth local run --json` prints for one deployment (or removal).
type Report struct {
	Kind         string                   `json:"kind"` // deploy | remove
	App          string                   `json:"app"`
	Stage        string                   `json:"stage"`
	File         string                   `json:"file,omitempty"`
	DeploymentID string                   `json:"deploymentId"`
	Status       string                   `json:"status"` // SUCCEEDED | FAILED | ROLLED_BACK
	Error        string                   `json:"error,omitempty"`
	FailAt       string                   `json:"failAt,omitempty"`
	DurationMs   int64                    `json:"durationMs"`
	Steps        []StepReport             `json:"steps"`
	Calls        awscalls.Summary         `json:"calls"`
	Routes       map[string]string        `json:"routes"`
	Router       string                   `json:"router,omitempty"`
	URL          string                   `json:"url,omitempty"`
	Inventory    []workflow.InventoryItem `json:"inventory"`
	Executions   []string                 `json:"executions,omitempty"` // every execution this upload led to
}

// StepReport is one recorded step.
type StepReport struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	DurationMs int64  `json:"durationMs"`
}

// statusOf maps an execution's end to a deployment status.
func statusOf(x Execution) string {
	switch {
	case x.Status == "SUCCEEDED":
		return "SUCCEEDED"
	case x.Error == "DeploymentRolledBack":
		return "ROLLED_BACK"
	default:
		return "FAILED"
	}
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
