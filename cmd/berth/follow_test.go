package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/state"
)

func TestTheEndOfAFollowedDeploymentSaysWhatHappened(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	step := func(name string, s int) state.StepRecord {
		return state.StepRecord{Name: name, Status: "SUCCEEDED", Started: t0.Add(time.Duration(s) * time.Second), Ended: t0.Add(time.Duration(s+1) * time.Second)}
	}
	applied := []state.StepRecord{step("create api/Role", 1), step("create api/Function", 2), step("update RouteTable", 3)}
	tests := []struct {
		name string
		d    state.Deployment
		code int
		out  string // regexp
	}{
		{name: "a success prints its duration, its AWS calls and the URL", code: 0,
			d:   state.Deployment{Status: state.StatusSucceeded, Ended: t0.Add(83 * time.Second), Outputs: map[string]string{"distributionDomain": "d1.cloudfront.net"}},
			out: `(?m)^\[ *\S+\] SUCCEEDED in 1m23s\n  url: https://d1\.cloudfront\.net\n  changed: nothing \(the account already matched the config\)\n$`},
		{name: "a success names what changed", code: 0,
			d:   state.Deployment{Status: state.StatusSucceeded, Ended: t0.Add(9 * time.Second), Steps: append(append([]state.StepRecord{}, applied...), step("verify", 4))},
			out: `(?m)^  changed: create api/Role, create api/Function, update RouteTable\n$`},
		{name: "a rollback lists the undone changes newest first", code: 1,
			d: state.Deployment{Status: state.StatusRolledBack, Ended: t0.Add(9 * time.Second), Error: "VerifyError: route /api/* answers 502",
				Steps: append(append([]state.StepRecord{}, applied...), step("compensate", 5))},
			out: `(?s)ROLLED_BACK after 9\.0s\n  cause: VerifyError: route /api/\* answers 502\n  rolled back \(undone, newest first\):\n    - update RouteTable\n    - create api/Function\n    - create api/Role\n  the app is as its last successful deployment left it\n$`},
		{name: "a rollback before any change says nothing had changed", code: 1,
			d:   state.Deployment{Status: state.StatusRolledBack, Error: "lock: boom"},
			out: `(?m)^  rolled back: nothing had been changed yet$`},
		{name: "a rejected config says nothing was changed", code: 1,
			d:   state.Deployment{Status: state.StatusFailed, Error: "ConfigError: containers.api: no image\nsecond line"},
			out: `(?m)^  cause: ConfigError: containers\.api: no image\n    second line\n  nothing was changed$`},
		{name: "a failed compensation lists what may still be in place", code: 1,
			d:   state.Deployment{Status: state.StatusFailed, Error: "rollback failed", Steps: applied},
			out: `(?s)compensation did not complete: these changes may still be in place:\n    - create api/Role\n    - create api/Function\n    - update RouteTable\n$`},
		{name: "a superseded upload says its config was not deployed", code: 1,
			d:   state.Deployment{App: "shop", Stage: "dev", Status: state.StatusSuperseded},
			out: `this config was not deployed: the newest upload of shop/dev is deployed instead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			tt.d.Started = t0
			wt := &watch{w: &out, start: time.Now()}
			if code := wt.summarize(&tt.d); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if !regexp.MustCompile(tt.out).MatchString(out.String()) {
				t.Errorf("output does not match %s:\n%s", tt.out, out.String())
			}
		})
	}
}

func TestDurationsAreShortAndReadable(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                  "0.0s",
		400 * time.Millisecond:        "0.4s",
		12345 * time.Millisecond:      "12.3s",
		4*time.Minute + 5*time.Second: "4m05s",
		62 * time.Minute:              "1h02m",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestOutputJSONIsOneEventPerLine(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	ev := newJSONEvents(&out)
	wt := &watch{w: ev, events: ev, start: time.Now()}
	fmt.Fprint(wt.w, "uploaded x to s3://b/k ")
	fmt.Fprint(wt.w, "(version v1)\n\n")
	d := &state.Deployment{ID: "d1", Status: state.StatusRolledBack, Started: t0, Ended: t0.Add(9 * time.Second), Error: "VerifyError: 502",
		Steps: []state.StepRecord{{Name: "update api/Function", Status: "SUCCEEDED"}, {Name: "update RouteTable", Status: "SUCCEEDED"}, {Name: "compensate", Status: "SUCCEEDED"}}}
	if code := wt.summarize(d); code != exitFail {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want a note and a result:\n%s", len(lines), out.String())
	}
	var note, result Event
	if json.Unmarshal([]byte(lines[0]), &note) != nil || note.Event != "note" || note.Message != "uploaded x to s3://b/k (version v1)" {
		t.Errorf("note %s", lines[0])
	}
	if json.Unmarshal([]byte(lines[1]), &result) != nil || result.Event != "result" || result.Status != "ROLLED_BACK" || result.DurationMs != 9000 ||
		strings.Join(result.Undone, ",") != "update RouteTable,update api/Function" || result.Changed != nil {
		t.Errorf("result %s", lines[1])
	}
}
