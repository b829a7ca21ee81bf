package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// setupCommand is the one command the Makefile names for the Python prerequisites.
const setupCommand = `python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.1' cfn-lint`

// reducedPath is a PATH holding only the named commands (symlinks to this machine's), so
// a test can run make as on a machine without the others.
func reducedPath(t *testing.T, commands ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range commands {
		p, err := exec.LookPath(c)
		if err != nil {
			t.Fatalf("this machine has no %s: %v", c, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, c)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// makeIn runs make in a copy of the project's Makefile in dir with the given PATH.
func makeIn(t *testing.T, dir, path string, args ...string) (int, string) {
	t.Helper()
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), mk, 0o644); err != nil {
		t.Fatal(err)
	}
	// The bound only ends a hung run; a stop "at once" takes milliseconds.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+path)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

func TestMakeDemoAndTestStopAtOnceNamingEveryMissingPrerequisiteAndTheCommandThatInstallsIt(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed")
	}
	path := reducedPath(t, "go", "node", "npm", "make", "sh")
	for _, tt := range []struct{ target, missing string }{
		{"demo", "moto_server"},
		{"test", "moto_server cfn-lint"},
	} {
		t.Run(tt.target, func(t *testing.T) {
			code, out := makeIn(t, t.TempDir(), path, tt.target)
			if code == 0 {
				t.Fatalf("make %s succeeded without %s:\n%s", tt.target, tt.missing, out)
			}
			for _, want := range []string{"make " + tt.target + ": missing prerequisites: " + tt.missing + "\n", setupCommand, "make setup"} {
				if !strings.Contains(out, want) {
					t.Errorf("make %s does not say %q:\n%s", tt.target, want, out)
				}
			}
			// Nothing ran before the check: no module download, no npm, no test binary.
			for _, bad := range []string{"npm ci", "go test", "go run"} {
				if strings.Contains(out, bad) {
					t.Errorf("make %s ran %q before stopping:\n%s", tt.target, bad, out)
				}
			}
		})
	}
	t.Run("go and node are named with where to get them", func(t *testing.T) {
		code, out := makeIn(t, t.TempDir(), reducedPath(t, "make", "sh"), "test")
		if code == 0 || !strings.Contains(out, "missing prerequisites: go node npm moto_server cfn-lint\n") ||
			!strings.Contains(out, "https://go.dev/dl/") || !strings.Contains(out, "apt-get install nodejs npm") {
			t.Errorf("make test with nothing installed:\n%s", out)
		}
	})
}

func TestMakeFindsMotoAndCfnLintInTheProjectVenv(t *testing.T) {
	dir := t.TempDir()
	venv := filepath.Join(dir, ".venv", "bin")
	if err := os.MkdirAll(venv, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"moto_server", "cfn-lint"} {
		if err := os.WriteFile(filepath.Join(venv, c), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := makeIn(t, dir, reducedPath(t, "go", "node", "npm", "make", "sh"), "check-test", "check-demo"); code != 0 {
		t.Errorf("with .venv/bin holding moto_server and cfn-lint, the checks fail:\n%s", out)
	}
}
