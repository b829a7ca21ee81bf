package api

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/motoserver"
)

// TestMain starts one moto_server for the package (moto_test.go uses it).
func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }
