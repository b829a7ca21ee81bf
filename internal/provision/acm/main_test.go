package acm

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/motoserver"
)

// TestMain runs this package's tests against one moto_server. moto issues a DNS-validated
// certificate MOTO_ACM_VALIDATION_WAIT seconds after the request (60 by default, longer
// than provtest waits for readiness), so it is shortened; moto_server inherits the
// environment.
func TestMain(m *testing.M) {
	os.Setenv("MOTO_ACM_VALIDATION_WAIT", "1")
	os.Exit(motoserver.RunTests(m))
}
