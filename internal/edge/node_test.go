package edge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The JavaScript suites live in test/ and run under node; these tests drive them so that
// `go test ./internal/edge/...` covers the code CloudFront actually runs. Missing tools
// fail the test: a skipped router test would look like a passing one.

const jsDir = "test"

const installHint = "install Node.js 20 or newer with npm (https://nodejs.org/en/download, or e.g. `apt-get install nodejs npm`), then rerun"

func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH: internal/edge's router tests need it; %s", name, installHint)
	}
	return p
}

// runIn runs a command in test/ and returns its combined output, failing t on error.
func runIn(t testing.TB, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s (in internal/edge/%s): %v\n%s", filepath.Base(name), strings.Join(args, " "), jsDir, err, out.String())
	}
	return out.String()
}

type variant struct {
	KeyValueStoreArn string `json:"keyValueStoreArn"`
	HostRouting      bool   `json:"hostRouting"`
	AlbOriginID      string `json:"albOriginId"`
}

// renderVariants writes test/variants.json's routers, rendered by RenderRouter, into a
// temporary directory for the harness (BERTH_ROUTER_RENDERED).
func renderVariants(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jsDir, "variants.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs map[string]variant
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatalf("variants.json: %v", err)
	}
	dir := t.TempDir()
	for name, v := range vs {
		src, err := RenderRouter(RouterParams{KeyValueStoreARN: v.KeyValueStoreArn, HostRouting: v.HostRouting, ALBOriginID: v.AlbOriginID})
		if err != nil {
			t.Fatalf("variant %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".js"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var nodeSummaryRE = regexp.MustCompile(`(?m)^# (tests|pass|fail|skipped) (\d+)$`)

// TestRouterRunsInNode runs router.test.js and bodysigner.test.js (node:test) against the
// routers Go renders. Files are named rather than the directory: node --test treats every
// .js under a directory called "test" as a test file, helpers and bench.js included.
func TestRouterRunsInNode(t *testing.T) {
	node := requireTool(t, "node")
	out := runIn(t, []string{"BERTH_ROUTER_RENDERED=" + renderVariants(t)},
		node, "--test", "--test-reporter=tap", "router.test.js", "bodysigner.test.js")
	counts := map[string]string{}
	for _, m := range nodeSummaryRE.FindAllStringSubmatch(out, -1) {
		counts[m[1]] = m[2]
	}
	if counts["fail"] != "0" || counts["skipped"] != "0" || counts["tests"] == "" {
		t.Fatalf("node tests: %v\n%s", counts, out)
	}
	t.Logf("node tests: %s passed", counts["pass"])
}

// TestRouterTypeChecks checks router.js against @types/aws-cloudfront-function with tsc
// (test/tsconfig.json), installing the pinned dev dependencies first if needed.
func TestRouterTypeChecks(t *testing.T) {
	node := requireTool(t, "node")
	tsc := filepath.Join("node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(filepath.Join(jsDir, tsc)); err != nil {
		npm := requireTool(t, "npm")
		runIn(t, nil, npm, "ci", "--no-audit", "--no-fund")
	}
	runIn(t, nil, node, tsc, "-p", "tsconfig.json")
}

// BenchmarkRouterNode runs test/bench.js (node, fake KVS) and reports its figures:
// ns per routed request with 10 and with 2,000 routes, and the router's size.
func BenchmarkRouterNode(b *testing.B) {
	node := requireTool(b, "node")
	dir := renderVariants(b)
	var res struct {
		RouterBytes int `json:"routerBytes"`
		Results     []struct {
			Routes       int     `json:"routes"`
			NsPerRequest float64 `json:"nsPerRequest"`
		} `json:"results"`
	}
	for i := 0; i < b.N; i++ {
		out := runIn(b, []string{"BERTH_ROUTER_RENDERED=" + dir}, node, "bench.js", "--json")
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
			b.Fatalf("bench.js output: %v\n%s", err, out)
		}
	}
	for _, r := range res.Results {
		b.ReportMetric(r.NsPerRequest, fmt.Sprintf("ns/req-%droutes", r.Routes))
	}
	b.ReportMetric(float64(res.RouterBytes), "router-bytes")
}
