package statemachine

import (
	"testing"

	"github.com/berth-dev/berth/internal/aslgen"
)

func TestTheCommittedDefinitionsAreWhatTheGeneratorWrites(t *testing.T) {
	for name, m := range aslgen.Files() {
		want, err := m.Render()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Files.ReadFile(name)
		if err != nil {
			t.Fatalf("%s is not committed: run go generate ./statemachine", name)
		}
		if string(got) != string(want) {
			t.Errorf("statemachine/%s is stale: run go generate ./statemachine (edit internal/aslgen, not the JSON)", name)
		}
	}
}
