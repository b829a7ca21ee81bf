package provision

import (
	"fmt"

	"github.com/berth-dev/berth/internal/plan"
)

// OutputsByID resolves refs from the outputs of resources already applied, keyed by
// logical id.
type OutputsByID map[string]Outputs

// Resolve implements RefResolver.
func (m OutputsByID) Resolve(ref plan.Ref) (string, error) {
	v, ok := m[ref.ID][ref.Attr]
	if !ok || v == "" {
		return "", &PreconditionError{Kind: "ref", Name: ref.ID, Problem: fmt.Sprintf("attribute %s of %s is not known yet: it must be applied first", ref.Attr, ref.ID)}
	}
	return v, nil
}
