package motoserver

import (
	"fmt"
	"os"
	"testing"
)

// Shared is the server started by RunTests for a test binary.
var Shared *Server

// RunTests starts one moto_server for a package's tests (call it from TestMain), runs
// them and stops the server. A missing moto_server fails the run with InstallHint: tests
// never skip silently.
func RunTests(m *testing.M) int { return RunTestsWith(m, Options{}) }

// RunTestsWith is RunTests with moto started with opts.
func RunTestsWith(m *testing.M, opts Options) int {
	s, err := Start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	Shared = s
	defer s.Stop()
	return m.Run()
}
