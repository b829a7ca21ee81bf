package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// srcOnlyYAML is valid and builds api from ./api.
const srcOnlyYAML = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    src: ./api
    routing:
      pathPattern: /*
`

// The commands that talk to an installation check their command line, and validate a
// config, before they look for the installation.
func TestRemoteCommandsCheckTheirArgumentsBeforeTouchingAWS(t *testing.T) {
	good := write(t, "serverless.containers.yml", appYAML)
	bad := write(t, "bad.yml", twoErrorsYAML)
	srcOnly := write(t, "src.yml", srcOnlyYAML)
	withSrc := write(t, "src.yml", srcOnlyYAML)
	if err := os.Mkdir(filepath.Join(filepath.Dir(withSrc), "api"), 0o755); err != nil {
		t.Fatal(err)
	}
	stdin, stdinIsTerminal = strings.NewReader("yes\n"), func() bool { return false }
	t.Cleanup(func() { stdin, stdinIsTerminal = os.Stdin, func() bool { return isTerminal(os.Stdin) } })

	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string // regexp
		resolves bool   // the command gets as far as looking for the installation
	}{
		{name: "deploy needs a file", args: []string{"deploy", "--stage", "dev"}, code: 2, stderr: "-f FILE is required"},
		{name: "deploy needs a stage", args: []string{"deploy", "-f", good}, code: 2, stderr: "--stage is required"},
		{name: "deploy refuses a stage that cannot be part of the config key", args: []string{"deploy", "-f", good, "--stage", "Prod"}, code: 2, stderr: `--stage "Prod" is not a valid stage name`},
		{name: "deploy refuses a timeout that is not positive", args: []string{"deploy", "-f", good, "--stage", "dev", "--timeout", "0s"}, code: 2, stderr: "--timeout must be positive"},
		{name: "deploy takes no positional arguments", args: []string{"deploy", "-f", good, "--stage", "dev", "now"}, code: 2, stderr: `unexpected argument "now"`},
		{name: "deploy of an invalid file prints every error and uploads nothing", args: []string{"deploy", "-f", bad, "--stage", "dev"}, code: 1, stderr: `(?s)memroy.*memory.*2 errors`},
		{name: "deploy of a container whose src is missing stops before the upload, naming the key and the path", args: []string{"deploy", "-f", srcOnly, "--stage", "dev"}, code: 1, stderr: `containers\.api\.src: .*api does not exist: src is relative to the config file's directory`},
		{name: "deploy of a container built from src looks for the installation", args: []string{"deploy", "-f", withSrc, "--stage", "dev"}, code: 1, stderr: "berth deploy: no installation in unit tests", resolves: true},
		{name: "deploy of a valid file looks for the installation", args: []string{"deploy", "-f", good, "--stage", "dev"}, code: 1, stderr: "berth deploy: no installation in unit tests", resolves: true},
		{name: "status needs an app or a file", args: []string{"status", "--stage", "dev"}, code: 2, stderr: `--app \(or -f FILE\) is required`},
		{name: "status takes an app or a file, not both", args: []string{"status", "--app", "shop", "-f", good, "--stage", "dev"}, code: 2, stderr: "not both"},
		{name: "status needs a stage", args: []string{"status", "--app", "shop"}, code: 2, stderr: "--stage is required"},
		{name: "status output is text or json", args: []string{"status", "--app", "shop", "--stage", "dev", "--output", "yaml"}, code: 2, stderr: "text or json"},
		{name: "status of a missing file fails", args: []string{"status", "-f", good + ".missing", "--stage", "dev"}, code: 1, stderr: "no such file"},
		{name: "status takes the app from the file", args: []string{"status", "-f", good, "--stage", "dev"}, code: 1, stderr: "berth status: no installation", resolves: true},
		{name: "history refuses an app name that cannot be a config folder", args: []string{"history", "--app", "my.shop", "--stage", "dev"}, code: 2, stderr: `--app "my.shop" is not a valid name`},
		{name: "history needs a positive limit", args: []string{"history", "--app", "shop", "--stage", "dev", "--limit", "0"}, code: 2, stderr: "--limit must be at least 1"},
		{name: "remove takes the app by name only", args: []string{"remove", "-f", good, "--stage", "dev"}, code: 2, stderr: "flag provided but not defined: -f"},
		{name: "remove needs a stage", args: []string{"remove", "--app", "shop"}, code: 2, stderr: "--stage is required"},
		{name: "remove without --yes and without a terminal refuses", args: []string{"remove", "--app", "shop", "--stage", "dev"}, code: 2, stderr: "refusing to remove shop/dev without confirmation: stdin is not a terminal; pass --yes"},
		{name: "remove with --yes looks for the installation", args: []string{"remove", "--app", "shop", "--stage", "dev", "--yes"}, code: 1, stderr: "berth remove: no installation", resolves: true},
		{name: "rollback needs an app", args: []string{"rollback", "--stage", "dev"}, code: 2, stderr: "--app is required"},
		{name: "rollback refuses a timeout that is not positive", args: []string{"rollback", "--app", "shop", "--stage", "dev", "--timeout", "-1s"}, code: 2, stderr: "--timeout must be positive"},
		{name: "a remote plan does not take an applied file", args: []string{"plan", "--remote", "-f", good, "--stage", "dev", "--applied", "x.json"}, code: 2, stderr: "--applied and --remote are exclusive"},
		{name: "an offline plan does not take installation flags", args: []string{"plan", "-f", good, "--stage", "dev", "--stack", "berth"}, code: 2, stderr: "--stack is for --remote plans"},
		{name: "a remote plan of an invalid file prints its errors", args: []string{"plan", "--remote", "-f", bad, "--stage", "dev"}, code: 1, stderr: "memroy"},
		{name: "a remote plan looks for the installation", args: []string{"plan", "--remote", "-f", good, "--stage", "dev"}, code: 1, stderr: "berth plan: no installation", resolves: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resolved := false
			targetHook = func(context.Context) (*Target, error) {
				resolved = true
				return nil, errors.New("no installation in unit tests")
			}
			t.Cleanup(func() { targetHook = nil })
			code, stdout, stderr := berth(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if tt.stderr != "" && !regexp.MustCompile(tt.stderr).MatchString(stderr) {
				t.Errorf("stderr does not match %s:\n%s", tt.stderr, stderr)
			}
			if resolved != tt.resolves {
				t.Errorf("looked for the installation: %v, want %v", resolved, tt.resolves)
			}
		})
	}
}

func TestHelpListsTheCommandsForDeployingAndWatching(t *testing.T) {
	_, stdout, _ := berth("help")
	for _, name := range []string{"deploy", "history", "remove", "rollback", "status"} {
		if !regexp.MustCompile(`(?m)^  ` + name + ` `).MatchString(stdout) {
			t.Errorf("help does not list %s:\n%s", name, stdout)
		}
	}
}
