package api

import (
	"flag"
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/motoserver"
)

// TestMain starts one moto_server for the package (moto_test.go uses it). Fuzz workers
// run only FuzzAPI, which needs none, so they skip it.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	os.Exit(motoserver.RunTests(m))
}
