package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/state"
)

// followFlags are the flags of commands that start a deployment and then follow it.
type followFlags struct {
	noWait  bool
	timeout time.Duration
	output  string
}

func addFollowFlags(fs *flag.FlagSet) *followFlags {
	ff := &followFlags{}
	fs.BoolVar(&ff.noWait, "no-wait", false, "start the deployment and return without following it")
	fs.DurationVar(&ff.timeout, "timeout", 2*time.Hour, "stop following (exit 1) after this long; the deployment itself goes on")
	fs.StringVar(&ff.output, "output", "text", "text (live on a terminal, a line per event otherwise) or json (one JSON event per line)")
	return ff
}

// writer is stdout as --output asks: JSON events, or text.
func (ff *followFlags) writer(stdout io.Writer) (io.Writer, bool) {
	switch ff.output {
	case "json":
		return newJSONEvents(stdout), true
	case "text":
		return stdout, true
	}
	return stdout, false
}

// pollInterval is how often a followed deployment's record is read.
var pollInterval = time.Second

// interruptible is the command's context: Ctrl-C stops following, not the deployment.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// watch follows one deployment record until it ends, printing its progress.
type watch struct {
	t            *Target
	app, stage   string
	id           string
	w            io.Writer
	start        time.Time // when the command started: elapsed times count from here
	key          string    // the config object's key ("" for a removal)
	version      string    // the config version uploaded ("" for a removal)
	noRecordNote bool
	newerSeen    time.Time // when a newer upload than version was first seen
	freeSeen     time.Time // when the lock was first seen free while QUEUED
	// live is the in-flight block on a terminal (nil otherwise); health reads what the
	// waiting steps wait on.
	live    *progress.Live
	health  healthClients
	cdn     distributionGetter
	flights []progress.Flight // in flight at the last poll
	events  *jsonEvents       // --output json
}

// Graces before the watch concludes something from an absence.
var (
	recordGrace    = 30 * time.Second // no record yet: say so (once)
	supersedeGrace = 5 * time.Second  // a newer upload exists and this one has no record: superseded
	queueGrace     = time.Minute      // QUEUED with the lock free: nothing will start it
)

// run polls until the deployment ends or timeout passes and returns the exit code: 0 only
// when the deployment SUCCEEDED.
func (wt *watch) run(ctx context.Context, timeout time.Duration) int {
	wt.events, _ = wt.w.(*jsonEvents)
	if wt.live = liveOn(wt.w); wt.live != nil {
		wt.w = aboveLive{wt.live}
		defer wt.live.Done()
	}
	deadline := wt.start.Add(timeout)
	printed := map[string]bool{}
	status := state.Status("")
	failures := 0
	for {
		d, err := wt.t.Store.GetDeployment(ctx, wt.app, wt.stage, wt.id)
		switch {
		case err != nil:
			// One failed read (throttling, a dropped connection) is not the deployment's
			// failure; a run of them is worth giving up on.
			if failures++; failures >= 5 && ctx.Err() == nil {
				fmt.Fprintf(wt.w, "%s cannot read deployment %s: %v\n", wt.stamp(), wt.id, err)
				return exitFail
			}
		case d == nil:
			failures = 0
			if code, done := wt.unrecorded(ctx); done {
				return code
			}
		default:
			failures = 0
			if status == "" { // first sight: the status heads the steps
				status = d.Status
				wt.printStatus(ctx, d)
			}
			for _, s := range d.Steps {
				k := s.Started.String() + "#" + s.Name + "#" + s.Status
				if printed[k] {
					continue
				}
				printed[k] = true
				if wt.events != nil {
					wt.events.emit(Event{Event: "step", Deployment: wt.id, Step: s.Name, Status: s.Status, Started: s.Started, Ended: s.Ended,
						DurationMs: s.Ended.Sub(s.Started).Milliseconds()})
					continue
				}
				fmt.Fprintf(wt.w, "%s   %-44s %-9s %s\n", wt.stamp(), s.Name, s.Status, stepDuration(s))
			}
			if d.Status != status { // after the steps that led to it
				status = d.Status
				wt.printStatus(ctx, d)
			}
			if d.Status == state.StatusQueued && wt.stuckInQueue(ctx) {
				return exitFail
			}
			if terminal(d.Status) {
				wt.live.Done()
				return wt.summarize(d)
			}
			wt.drawInFlight(ctx, d)
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(wt.w, "%s stopped following after --timeout %s: deployment %s is still %s and goes on; see berth history --app %s --stage %s\n",
				wt.stamp(), timeout, wt.id, orText(string(status), "not started"), wt.app, wt.stage)
			return exitFail
		}
		if !wt.pause(ctx) {
			fmt.Fprintf(wt.w, "%s stopped following: deployment %s goes on; see berth history --app %s --stage %s\n", wt.stamp(), wt.id, wt.app, wt.stage)
			return exitFail
		}
	}
}

// pause waits pollInterval, false when ctx ends first. On a terminal the in-flight block's
// elapsed times keep counting meanwhile (redrawn from the last poll, no AWS calls).
func (wt *watch) pause(ctx context.Context) bool {
	next := time.After(pollInterval)
	var tick <-chan time.Time
	if wt.live != nil {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-next:
			return true
		case now := <-tick:
			wt.live.Draw(wt.flights, now)
		}
	}
}

// unrecorded handles a deployment with no record yet. Usually its execution has not
// reached validation; but when a newer upload of the config exists, the deployer deploys
// that one instead (the newest upload wins) and this deployment never gets a record, and
// a config the deployer rejected is recorded under its execution's name.
func (wt *watch) unrecorded(ctx context.Context) (code int, done bool) {
	if wt.version != "" {
		if latest, err := wt.latestVersion(ctx); err == nil && latest != wt.version {
			// Give an execution that already read this version a moment to record it.
			if wt.newerSeen.IsZero() {
				wt.newerSeen = time.Now()
			} else if time.Since(wt.newerSeen) > supersedeGrace {
				by := "the deployment of that version"
				if list, err := wt.t.Store.ListDeployments(ctx, wt.app, wt.stage, 10); err == nil {
					for _, d := range list {
						if d.ConfigVersion == latest {
							by = fmt.Sprintf("deployment %s (%s)", d.ID, d.Status)
							break
						}
					}
				}
				fmt.Fprintf(wt.w, "%s SUPERSEDED  a newer upload of %s/%s (version %s) replaced this one before it started; %s deploys it\n",
					wt.stamp(), wt.app, wt.stage, latest, by)
				return exitFail, true
			}
			return exitOK, false
		}
		if other := wt.recordedElsewhere(ctx); other != "" {
			fmt.Fprintf(wt.w, "%s this upload was recorded as deployment %s\n", wt.stamp(), other)
			wt.id = other
			return exitOK, false
		}
	}
	if !wt.noRecordNote && time.Since(wt.start) > recordGrace {
		wt.noRecordNote = true
		fmt.Fprintf(wt.w, "%s no record of deployment %s yet: its execution has not started (is berth's trigger rule enabled?)\n", wt.stamp(), wt.id)
	}
	return exitOK, false
}

// latestVersion is the config object's newest version.
func (wt *watch) latestVersion(ctx context.Context) (string, error) {
	out, err := wt.t.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(wt.t.Names.ConfigBucket), Key: aws.String(wt.key)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// stuckInQueue reports (once it is sure) a QUEUED deployment nothing will start: the
// lock has been free for queueGrace, so the deployment that held it ended without
// handing over to this one.
func (wt *watch) stuckInQueue(ctx context.Context) bool {
	l, err := wt.t.Store.GetLock(ctx, wt.app, wt.stage)
	if err != nil || l != nil {
		wt.freeSeen = time.Time{}
		return false
	}
	if wt.freeSeen.IsZero() {
		wt.freeSeen = time.Now()
		return false
	}
	if time.Since(wt.freeSeen) < queueGrace {
		return false
	}
	fmt.Fprintf(wt.w, "%s deployment %s is still QUEUED but %s/%s has been free for %s: the deployer did not start it (see the deploy state machine's failed executions); deploy again\n",
		wt.stamp(), wt.id, wt.app, wt.stage, fmtDuration(queueGrace))
	return true
}

// recordedElsewhere finds the deployment of the uploaded version when it was recorded
// under another id: a config the deployer rejects at validation is recorded under its
// execution's name. Only a finished, failed record of exactly this version (still the
// newest) is taken.
func (wt *watch) recordedElsewhere(ctx context.Context) string {
	if wt.version == "" {
		return ""
	}
	list, err := wt.t.Store.ListDeployments(ctx, wt.app, wt.stage, 10)
	if err != nil {
		return ""
	}
	for _, d := range list {
		if d.ID != wt.id && d.ConfigVersion == wt.version && (d.Status == state.StatusFailed || d.Status == state.StatusRolledBack) &&
			!d.Started.Before(wt.start.Add(-time.Minute)) {
			return d.ID
		}
	}
	return ""
}

func (wt *watch) printStatus(ctx context.Context, d *state.Deployment) {
	if wt.events != nil && !terminal(d.Status) {
		wt.events.emit(Event{Event: "status", Deployment: d.ID, Status: string(d.Status), Error: d.Error})
		return
	}
	switch d.Status {
	case state.StatusRunning:
		what := "deployment"
		if d.Key == "" {
			what = "removal"
		}
		fmt.Fprintf(wt.w, "%s RUNNING   %s %s of %s/%s (source %s)\n", wt.stamp(), what, d.ID, d.App, d.Stage, d.Source)
	case state.StatusQueued:
		holder := "another deployment"
		if l, err := wt.t.Store.GetLock(ctx, d.App, d.Stage); err == nil && l != nil {
			holder = "deployment " + l.Holder
		}
		fmt.Fprintf(wt.w, "%s QUEUED    %s is deploying %s/%s; this one starts when it ends (a newer upload would replace it)\n",
			wt.stamp(), holder, d.App, d.Stage)
	case state.StatusSuperseded:
		fmt.Fprintf(wt.w, "%s SUPERSEDED  %s\n", wt.stamp(), orText(d.Error, "a newer upload replaced this one before it ran"))
	case "ROLLING_BACK": // compensating (newer deployers record this while undoing)
		fmt.Fprintf(wt.w, "%s ROLLING_BACK  undoing this deployment's changes: %s\n", wt.stamp(), orText(d.Error, "a step failed"))
	default:
		if !terminal(d.Status) {
			fmt.Fprintf(wt.w, "%s %s\n", wt.stamp(), d.Status)
		}
	}
}

// summarize prints how a deployment ended: the result, its cause and what was undone.
func (wt *watch) summarize(d *state.Deployment) int {
	took := time.Since(wt.start)
	if !d.Ended.IsZero() && !d.Started.IsZero() {
		took = d.Ended.Sub(d.Started)
	}
	calls := ""
	if d.Calls.Mutating+d.Calls.Read > 0 {
		calls = fmt.Sprintf(", %d mutating / %d read AWS calls", d.Calls.Mutating, d.Calls.Read)
	}
	changed := changedSteps(d.Steps)
	compensated := slices.ContainsFunc(d.Steps, func(s state.StepRecord) bool { return s.Name == "compensate" })
	if wt.events != nil {
		return wt.result(d, took, changed, compensated)
	}
	switch d.Status {
	case state.StatusSucceeded:
		fmt.Fprintf(wt.w, "%s SUCCEEDED in %s%s\n", wt.stamp(), fmtDuration(took), calls)
		if dom := d.Outputs["distributionDomain"]; dom != "" {
			fmt.Fprintf(wt.w, "  url: https://%s\n", dom)
		}
		if len(changed) == 0 {
			fmt.Fprintln(wt.w, "  changed: nothing (the account already matched the config)")
		} else {
			fmt.Fprintf(wt.w, "  changed: %s\n", strings.Join(changed, ", "))
		}
		return exitOK
	case state.StatusSuperseded:
		fmt.Fprintf(wt.w, "  this config was not deployed: the newest upload of %s/%s is deployed instead\n", d.App, d.Stage)
		return exitFail
	}
	fmt.Fprintf(wt.w, "%s %s after %s%s\n", wt.stamp(), d.Status, fmtDuration(took), calls)
	fmt.Fprintf(wt.w, "  cause: %s\n", indentLines(orText(d.Error, "(no error recorded)"), "    "))
	switch {
	case len(changed) == 0 && d.Status == state.StatusRolledBack:
		fmt.Fprintln(wt.w, "  rolled back: nothing had been changed yet")
	case len(changed) == 0:
		fmt.Fprintln(wt.w, "  nothing was changed")
	case d.Status == state.StatusRolledBack || compensated:
		fmt.Fprintln(wt.w, "  rolled back (undone, newest first):")
		for _, s := range slices.Backward(changed) {
			fmt.Fprintf(wt.w, "    - %s\n", s)
		}
		fmt.Fprintln(wt.w, "  the app is as its last successful deployment left it")
	default:
		fmt.Fprintln(wt.w, "  compensation did not complete: these changes may still be in place:")
		for _, s := range changed {
			fmt.Fprintf(wt.w, "    - %s\n", s)
		}
	}
	return exitFail
}

// result is summarize under --output json: one result event.
func (wt *watch) result(d *state.Deployment, took time.Duration, changed []string, compensated bool) int {
	e := Event{Event: "result", Deployment: d.ID, Status: string(d.Status), Error: d.Error, DurationMs: took.Milliseconds(),
		Mutating: d.Calls.Mutating, Read: d.Calls.Read}
	if dom := d.Outputs["distributionDomain"]; dom != "" && d.Status == state.StatusSucceeded {
		e.URL = "https://" + dom
	}
	if d.Status == state.StatusRolledBack || compensated {
		e.Undone = slices.Clone(changed)
		slices.Reverse(e.Undone)
	} else {
		e.Changed = changed
	}
	wt.events.emit(e)
	if d.Status == state.StatusSucceeded {
		return exitOK
	}
	return exitFail
}

// changedSteps are the recorded steps that changed the account: resource actions and
// the route update (verify, inventory and compensate only look or undo).
func changedSteps(steps []state.StepRecord) []string {
	var out []string
	for _, s := range steps {
		if strings.HasPrefix(s.Name, "create ") || strings.HasPrefix(s.Name, "update ") || strings.HasPrefix(s.Name, "delete ") {
			out = append(out, s.Name)
		}
	}
	return out
}

func terminal(s state.Status) bool {
	switch s {
	case state.StatusSucceeded, state.StatusFailed, state.StatusRolledBack, state.StatusSuperseded:
		return true
	}
	return false
}

// stamp is the elapsed time since the command started, as a fixed-width prefix.
func (wt *watch) stamp() string {
	return fmt.Sprintf("[%7s]", fmtDuration(time.Since(wt.start)))
}

func stepDuration(s state.StepRecord) string {
	if s.Ended.IsZero() || s.Started.IsZero() {
		return ""
	}
	return fmtDuration(s.Ended.Sub(s.Started))
}

// fmtDuration prints durations for people: 0.4s, 12.3s, 4m05s, 1h02m.
func fmtDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0.0s"
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func indentLines(s, indent string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}
