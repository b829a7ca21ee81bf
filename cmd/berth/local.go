package main

import (
	"context"
	"encoding/json"

	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/localrun"
)

func init() {
	register("local", "run berth's real state machines and handlers against a local AWS emulator", runLocal)
}

// files collects repeated -f flags.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

// localRun is the result of `berth local run --json`.
type localRun struct {
	Deployments []*localrun.Report `json:"deployments"`
	Removal     *localrun.Report   `json:"removal,omitempty"`
	// Drift is the --drift check after the deployments (and its repair deployment).
	Drift *localrun.DriftResult `json:"drift,omitempty"`
}

func runLocal(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, "Usage: berth local run -f FILE [-f FILE2 ...] --stage S [--drift] [--remove] [--fail-at TASK[:N]] [--json]")
		return exitUsage
	}
	fs := newFlags("local run", "-f FILE [-f FILE2 ...] --stage S [--drift] [--remove] [--fail-at TASK[:N]] [--json]", stderr)
	var fl files
	fs.Var(&fl, "f", "config file to deploy; repeat to deploy several in order in one emulator session")
	stage := fs.String("stage", "dev", "stage to deploy to")
	region := fs.String("region", "eu-west-1", "region the emulated account deploys into")
	remove := fs.Bool("remove", false, "remove everything after the last deployment")
	failAt := fs.String("fail-at", "", "fail the N-th invocation (default 1st) of TASK during the LAST file's deployment: validate, lock, plan, compute, alb, cdn, routing, verify, commit")
	asJSON := fs.Bool("json", false, "print one JSON report instead of progress")
	driftCheck := fs.Bool("drift", false, "after deploying the files, run one drift check as the scheduled drift function does, print it and wait for the repair deployment it starts")
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	if len(fl) == 0 {
		return usageError(fs, "-f FILE is required")
	}
	progress := stdout
	if *asJSON {
		progress = nil
	}
	res, err := localSession(fl, *stage, *region, *failAt, *remove, *driftCheck, progress)
	if err != nil {
		fmt.Fprintln(stderr, "berth local:", err)
		return exitFail
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		for _, r := range res.Deployments {
			printReport(stdout, r)
		}
		if res.Drift != nil {
			res.Drift.WriteText(stdout)
			printReport(stdout, res.Drift.Repair)
		}
		printReport(stdout, res.Removal)
	}
	return exitCode(res)
}

func localSession(fl files, stage, region, failAt string, remove, driftCheck bool, progress io.Writer) (*localRun, error) {
	ctx := context.Background()
	opts := localrun.SessionOptions{Region: region, Progress: progress}
	if path := os.Getenv("BERTH_LOCAL_LOG"); path != "" {
		// The handlers' JSON logs and moto's output, for debugging a local run.
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		opts.MotoLog = f
	}
	// On a terminal the steps in flight are drawn in place from the state store, as for a
	// deployment on AWS; elsewhere the runtime prints a line per handler invocation.
	live := progress != nil && liveOn(progress) != nil
	if live {
		opts.Progress = nil
	}
	s, err := localrun.NewSession(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	defer closeOnSignal(s.Close)()
	follow := func(app string, run func() error) error { return run() }
	if live {
		follow = func(app string, run func() error) error { return followLocal(ctx, s, app, stage, progress, run) }
	}
	res := &localRun{}
	var app string
	for i, f := range fl {
		body, err := config.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// ${env:X} comes from the caller's environment, as SCF read it on a laptop.
		if _, err := s.SeedEnv(ctx, body, stage, os.LookupEnv); err != nil {
			return nil, err
		}
		fault := ""
		if i == len(fl)-1 {
			fault = failAt
		}
		var r *localrun.Report
		if err := follow(localrun.AppName(body), func() (err error) { r, err = s.Deploy(ctx, f, body, stage, fault); return err }); err != nil {
			return nil, err
		}
		app = r.App
		res.Deployments = append(res.Deployments, r)
	}
	if driftCheck {
		d, err := s.Drift(ctx, app, stage)
		if d == nil {
			return nil, err
		}
		res.Drift = d // a failed check is in d.Check.Error
	}
	if remove {
		if err := follow(app, func() (err error) { res.Removal, err = s.Remove(ctx, app, stage); return err }); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// followLocal runs run (one deployment or removal of app/stage in the session) while a
// watch follows it from the state store, as `berth deploy` follows one on AWS.
func followLocal(ctx context.Context, s *localrun.Session, app, stage string, w io.Writer, run func() error) error {
	t := localTarget(s)
	start := time.Now()
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for fctx.Err() == nil {
			list, err := t.Store.ListDeployments(fctx, app, stage, 1)
			if err == nil && len(list) > 0 && !list[0].Started.Before(start.Add(-time.Second)) {
				(&watch{t: t, app: app, stage: stage, id: list[0].ID, w: w, start: start}).run(fctx, 2*time.Hour)
				return
			}
			select {
			case <-fctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	err := run()
	select { // the watch's next poll sees the end and prints the summary
	case <-done:
	case <-time.After(10 * time.Second):
	}
	cancel()
	<-done
	return err
}

// localTarget is the installation a local session runs.
func localTarget(s *localrun.Session) *Target {
	return NewTarget(s.Env.AWS, TargetNames{ConfigBucket: localrun.ConfigBucket, Table: localrun.StateTable,
		ArtifactsBucket: localrun.ArtifactsBucket, RemoveMachineArn: s.Env.RemoveMachine}, true)
}

// exitCode is 0 when every deployment (and the removal) succeeded.
func exitCode(res *localRun) int {
	if d := res.Drift; d != nil && (d.Check.Error != "" || (d.Repair != nil && d.Repair.Status != "SUCCEEDED")) {
		return exitFail
	}
	for _, r := range append(res.Deployments, res.Removal) {
		if r != nil && r.Status != "SUCCEEDED" {
			return exitFail
		}
	}
	return exitOK
}

func printReport(w io.Writer, r *localrun.Report) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "\n%s %s/%s: %s (%d ms, %d mutating / %d read AWS calls)\n", r.Kind, r.App, r.Stage, r.Status, r.DurationMs, r.Calls.Mutating, r.Calls.Read)
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
	}
	if r.URL != "" {
		fmt.Fprintf(w, "  url:   %s\n", r.URL)
	}
	keys := make([]string, 0, len(r.Routes))
	for k := range r.Routes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  route: %-30s -> %s\n", k, r.Routes[k])
	}
	fmt.Fprintf(w, "  %d berth-owned resources\n", len(r.Inventory))
	for _, it := range r.Inventory {
		fmt.Fprintf(w, "    %-44s %s\n", it.Type, it.Name)
	}
}
