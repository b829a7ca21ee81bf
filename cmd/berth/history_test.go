package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/state"
)

func TestHistoryIsATableWithOneLinePerDeployment(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.Local)
	list := []state.Deployment{
		{ID: "d4", Status: state.StatusRunning, Source: state.SourceS3, Key: "k", ConfigVersion: "v4", Started: t0.Add(4 * time.Minute)},
		{ID: "d3", Status: state.StatusQueued, Source: state.SourceAPI, Key: "k", ConfigVersion: "v3", Started: t0.Add(3 * time.Minute)},
		{ID: "d2", Status: state.StatusRolledBack, Source: state.SourceS3, Key: "k", ConfigVersion: "v2", Started: t0.Add(time.Minute),
			Ended: t0.Add(time.Minute + 12300*time.Millisecond), Error: "VerifyError: " + strings.Repeat("x", 100) + "\nmore"},
		{ID: "d1", Status: state.StatusSucceeded, Source: state.SourceCLI, Started: t0, Ended: t0.Add(5 * time.Second)},
	}
	var out bytes.Buffer
	writeHistory(&out, "shop", "dev", list)
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	want := []string{
		`^DEPLOYMENT +STATUS +SOURCE +STARTED +DURATION +CONFIG VERSION +ERROR$`,
		`^d4 +RUNNING +s3 +2026-07-01 12:04:00 +running +v4 *$`,
		`^d3 +QUEUED +api +2026-07-01 12:03:00 +queued +v3 *$`,
		`^d2 +ROLLED_BACK +s3 +2026-07-01 12:01:00 +12\.3s +v2 +VerifyError: x{66}…$`,
		`^d1 +SUCCEEDED +cli +2026-07-01 12:00:00 +5\.0s +\(removal\) *$`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d does not match %s:\n%s", i, re, lines[i])
		}
	}
	out.Reset()
	writeHistory(&out, "shop", "dev", nil)
	if out.String() != "shop/dev: no deployments\n" {
		t.Errorf("empty history: %q", out.String())
	}
}
