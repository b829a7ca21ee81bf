package config

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

const probeImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.0"
const probeHead = "name: shop\ndeployment:\n  type: aws@1.0\n"

// The hostile configs of the security probe (audits/security-probe.md rows 1.7 and
// 1.38-1.40), generated as the probe generated them.

func nestedVariables(depth int) string {
	return probeHead + "containers:\n  api:\n    image: " + probeImage +
		"\n    routing: {pathPattern: /*}\n    environment:\n      X: '" +
		strings.Repeat("${env:", depth) + "A" + strings.Repeat("}", depth) + "'\n"
}

// amplified repeats a 65 KB parameter in each line of a block until the file reaches size.
func amplified(size int, block, line string) string {
	var b strings.Builder
	b.WriteString(probeHead + "stages:\n  default:\n    params:\n      p: '" + strings.Repeat("A", 65000) + "'\n")
	b.WriteString(block)
	for i := 0; b.Len() < size-240; i++ {
		fmt.Fprintf(&b, line, i)
	}
	return b.String()
}

func amplifiedUnknownKey() string {
	return amplified(905<<10, "containers:\n  web:\n    image: "+probeImage+"\n    routing: {pathPattern: /*}\njunk:\n", "  - ${param:p}x%.0d\n")
}

func amplifiedEnvironment() string {
	return amplified(256<<10, "containers:\n  web:\n    image: "+probeImage+"\n    routing: {pathPattern: /*}\n    compute: {type: awsFargateEcs}\n    environment:\n", "      E%d: ${param:p}x\n")
}

func manyContainers(n int) string {
	var b strings.Builder
	b.WriteString(probeHead + "containers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  c%d: {image: a.io/b, routing: {pathPattern: /%d/*}}\n", i, i)
	}
	return b.String()
}

func manyFargateContainers(n int) string {
	var b strings.Builder
	b.WriteString(probeHead + "containers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  c%d: {image: a.io/b, routing: {pathPattern: /%d/*}, compute: {type: %s}}\n", i, i, ComputeFargate)
	}
	return b.String()
}

var hostileConfigs = []struct {
	name, doc, want string
}{
	{"variables nested 36,000 deep (252 KB) stop at the nesting limit", nestedVariables(36000), "variables nest more than 10 levels deep"},
	{"variables nested 50,000 deep (350 KB) stop at the nesting limit", nestedVariables(50000), "variables nest more than 10 levels deep"},
	{"a 65 KB parameter repeated 60,000 times under an unknown key stops at the resolved-size cap", amplifiedUnknownKey(), "variables yield more than 1048576 bytes in all"},
	{"a 65 KB parameter repeated in every Fargate environment value stops at the resolved-size cap", amplifiedEnvironment(), "variables yield more than 1048576 bytes in all"},
	{"10,000 containers stop at the container cap with the quota arithmetic", manyContainers(10000), "lists 10000 containers; berth deploys at most 150 per app: each container has its own IAM role"},
	{"101 Fargate containers stop at the ALB's target group cap", manyFargateContainers(maxFargateContainers + 1), "lists 101 containers with compute.type awsFargateEcs; berth deploys at most 100 per app"},
}

func TestHostileConfigsStopWithAClearErrorNamingTheLimit(t *testing.T) {
	for _, tc := range hostileConfigs {
		t.Run(tc.name, func(t *testing.T) {
			for _, res := range []Resolver{nil, newFakeResolver()} {
				diags := mustErrors(t, tc.doc, Options{Resolver: res})
				if !hasMessage(diags, tc.want) {
					t.Fatalf("want a diagnostic containing %q, got %d: %.600v", tc.want, len(diags), diags)
				}
				if len(diags) > 10 {
					t.Errorf("%d diagnostics; a limit should be reported once, not per value", len(diags))
				}
			}
		})
	}
}

func hasMessage(diags []Diagnostic, want string) bool {
	for _, d := range diags {
		if strings.Contains(d.Message, want) {
			return true
		}
	}
	return false
}

func TestContainersUpToTheCapsAreStillAccepted(t *testing.T) {
	mustLoad(t, manyContainers(maxContainers), Options{})
	mustLoad(t, manyFargateContainers(maxFargateContainers), Options{})
}

func TestVariablesNestedToTheLimitStillResolve(t *testing.T) {
	doc := envDoc("      X: \"" + strings.Repeat("${ssm:/missing, ", maxVarDepth-1) + "${sls:stage}" + strings.Repeat("}", maxVarDepth-1) + "\"")
	cfg := mustLoad(t, doc, Options{Resolver: newFakeResolver()})
	if ev := findEnv(t, cfg, "X"); ev.Value != "dev" {
		t.Errorf("got %+v, want the innermost fallback's value", ev)
	}
}

func TestReadingAnEndlessFileStopsAtTheSizeLimit(t *testing.T) {
	_, err := ReadLimited(endless{}, "/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "/dev/zero: the file is over 1048576 bytes") {
		t.Fatalf("got %v", err)
	}
	data, err := ReadLimited(strings.NewReader(head), "ok.yml")
	if err != nil || string(data) != head {
		t.Fatalf("a small file: %q, %v", data, err)
	}
}

// endless is /dev/zero as a reader.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkHostileConfigs measures what each hostile config costs to refuse. B/op (with
// -benchmem) bounds the peak heap; peak-MB is the largest heap seen after the load.
func BenchmarkHostileConfigs(b *testing.B) {
	for _, tc := range hostileConfigs {
		data := []byte(tc.doc)
		b.Run(tc.name[:strings.Index(tc.name, " stop")], func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				if _, err := Load(context.Background(), data, Options{Resolver: newFakeResolver()}); err == nil {
					b.Fatal("accepted")
				}
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}
