package provision

import (
	"encoding/json"
	"fmt"

	"github.com/berth-dev/berth/internal/plan"
)

// OpDecodeProps is the Op of Decode's error: the properties, not AWS, are at fault.
const OpDecodeProps = "decode props"

// Decode reads a resource's typed props; props that do not decode are a *RejectedError.
func Decode[T any](r plan.Resource) (T, error) {
	var props T
	if err := json.Unmarshal(r.Props, &props); err != nil {
		return props, &RejectedError{Kind: string(r.Kind), Name: r.Name, Op: OpDecodeProps, Cause: err.Error()}
	}
	return props, nil
}

// Diffs collects field differences, in the order they are added.
type Diffs []FieldDiff

// Add records field when want and have render differently.
func (d *Diffs) Add(field string, want, have any) {
	w, h := fmt.Sprint(want), fmt.Sprint(have)
	if w != h {
		*d = append(*d, FieldDiff{Field: field, Desired: w, Actual: h})
	}
}

// Has reports whether field differs.
func (d Diffs) Has(field string) bool {
	for _, f := range d {
		if f.Field == field {
			return true
		}
	}
	return false
}
