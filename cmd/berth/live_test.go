package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The done-when of live progress: tmux gives `berth local run` a real terminal; the pane
// is captured while the mixed demo app deploys. The in-flight block must be redrawn, not
// appended (never two blocks, never a step twice on one screen) with elapsed times that
// move, and once the run ends the block must be gone and the finished steps above it.
func TestLocalRunDrawsTheStepsInFlightInPlaceInATmuxPane(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): the live terminal view is not checked")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "berth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	socket := filepath.Join(dir, "tmux.sock") // a server of its own, gone with the temp dir
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-S", socket}, args...)...).CombinedOutput()
		return string(out), err
	}
	script := fmt.Sprintf("%s local run -f demo/v1-mixed.yml --stage dev; echo BERTH-EXIT=$?; sleep 600", bin)
	if out, err := tmux("new-session", "-d", "-s", "live", "-x", "160", "-y", "60", script); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = tmux("kill-server") }) // the server this test started, by its socket

	row := regexp.MustCompile(`^    (\S+ \S+) +([0-9.hms]+)  `)
	elapsed := map[string]map[string]bool{} // step in flight -> elapsed times shown
	var problems []string
	var final string
	for deadline := time.Now().Add(5 * time.Minute); ; {
		if time.Now().After(deadline) {
			t.Fatalf("berth local run did not finish in 5 minutes; last pane:\n%s", final)
		}
		time.Sleep(300 * time.Millisecond)
		pane, err := tmux("capture-pane", "-p", "-t", "live")
		if err != nil {
			t.Fatalf("capture-pane: %v", err)
		}
		// Redrawn, not appended: one block per screen, each step in it once.
		if n := strings.Count(pane, "in flight ("); n > 1 {
			problems = append(problems, fmt.Sprintf("%d in-flight blocks on one screen:\n%s", n, pane))
		}
		onScreen := map[string]bool{}
		for _, line := range strings.Split(pane, "\n") {
			m := row.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if onScreen[m[1]] {
				problems = append(problems, fmt.Sprintf("%s twice on one screen:\n%s", m[1], pane))
			}
			onScreen[m[1]] = true
			if elapsed[m[1]] == nil {
				elapsed[m[1]] = map[string]bool{}
			}
			elapsed[m[1]][m[2]] = true
		}
		if strings.Contains(pane, "BERTH-EXIT=") {
			final, _ = tmux("capture-pane", "-p", "-S", "-", "-t", "live")
			break
		}
		final = pane
	}
	for _, p := range problems {
		t.Error(p)
	}
	updated := []string{}
	for step, times := range elapsed {
		if len(times) > 1 {
			updated = append(updated, step)
		}
	}
	if len(updated) == 0 {
		t.Errorf("no step in flight was shown with a growing elapsed time; seen: %v", elapsed)
	}
	t.Logf("steps whose elapsed time was redrawn: %v", updated)
	t.Logf("pane at the end:\n%s", final)
	for _, want := range []string{`(?m)^BERTH-EXIT=0$`, `(?m)^\[ *[0-9.hms]+\] +create web/Service +SUCCEEDED +[0-9.hms]+$`,
		`(?m)^\[ *[0-9.hms]+\] SUCCEEDED in [0-9.hms]+`} {
		matches(t, "the final pane", final, want)
	}
	if strings.Contains(final, "in flight (") {
		t.Errorf("the in-flight block was left on screen")
	}
}
