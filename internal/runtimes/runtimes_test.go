package runtimes

import (
	"os"
	"regexp"
	"testing"
	"time"
)

// warning is how long before Lambda's block-create date a runtime in use fails the build:
// long enough to ship a berth release that moves it.
const warning = 120 * 24 * time.Hour

func TestNoRuntimeInUseIsWithin120DaysOfItsBlockCreateDate(t *testing.T) {
	now := time.Now().UTC()
	for _, r := range All() {
		if left := r.BlockCreate.Sub(now); left < warning {
			t.Errorf("%s (%s): Lambda blocks creating functions with it on %s, %d days from now; move it (README: Moving a runtime; %s)",
				r.ID, r.Use, r.BlockCreate.Format(time.DateOnly), int(left.Hours()/24), r.Source)
		}
	}
}

func TestEveryTableEntryHasOrderedDatesAndASource(t *testing.T) {
	for _, r := range All() {
		if r.Source == "" || r.Use == "" {
			t.Errorf("%s: no source or use", r.ID)
		}
		if !r.Deprecation.Before(r.BlockCreate) || !r.BlockCreate.Before(r.BlockUpdate) {
			t.Errorf("%s: want deprecation < block create < block update, got %v %v %v", r.ID, r.Deprecation, r.BlockCreate, r.BlockUpdate)
		}
	}
}

func TestCreatableRefusesARuntimePastItsBlockCreateDateOrMissingFromTheTable(t *testing.T) {
	r, _ := Lookup(BodySigner)
	if err := Creatable(BodySigner, r.BlockCreate.Add(-time.Hour)); err != nil {
		t.Errorf("before the block date: %v", err)
	}
	if err := Creatable(BodySigner, r.BlockCreate); err == nil {
		t.Error("on the block date: want an error")
	}
	// nodejs20.x was blocked for creates on 2026-08-31 (lambda-nodejs.html) and is not
	// in the table: berth must never create with it again.
	if err := Creatable("nodejs20.x", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("nodejs20.x: want an error (not in the table)")
	}
}

// The installation's own functions come from template.yaml; every Runtime there must be
// in the table so its dates are checked too.
func TestEveryTemplateRuntimeIsInTheTable(t *testing.T) {
	src, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ms := regexp.MustCompile(`(?m)^\s+Runtime:\s*(\S+)\s*$`).FindAllSubmatch(src, -1)
	if len(ms) == 0 {
		t.Fatal("no Runtime: in template.yaml")
	}
	for _, m := range ms {
		if _, ok := Lookup(string(m[1])); !ok {
			t.Errorf("template.yaml Runtime %s is not in internal/runtimes", m[1])
		}
	}
}
