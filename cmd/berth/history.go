package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/timeline"
)

func init() {
	register("history", "list an app/stage's deployments, newest first", runHistory)
}

func runHistory(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("history", "(--app A | -f FILE) --stage S [--limit N] [--output text|json] [--id ID --timeline FILE.svg] [--stack NAME] [--profile P] [--region R]", stderr)
	as := addAppStageFlags(fs, true)
	limit := fs.Int("limit", state.DefaultListLimit, "how many deployments to list")
	output := fs.String("output", "text", "output format: text or json")
	id := fs.String("id", "", "one deployment (with --timeline)")
	svg := fs.String("timeline", "", "write the deployment --id as an SVG timeline to this file")
	tf := addTargetFlags(fs, needState) // the timeline reads the journal, which may live in the artifacts bucket
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := as.check(fs, stderr); !ok {
		return code
	}
	if (*id == "") != (*svg == "") {
		return usageError(fs, "--id and --timeline go together: berth history --app A --stage S --id ID --timeline FILE.svg")
	}
	if *svg != "" {
		return writeTimeline(tf, *as.app, *as.stage, *id, *svg, stdout, stderr)
	}
	switch {
	case *limit < 1:
		return usageError(fs, "--limit must be at least 1")
	case *output != "text" && *output != "json":
		return usageError(fs, "--output must be text or json, not %q", *output)
	}
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth history: %v\n", err)
		return exitFail
	}
	list, err := t.Store.ListDeployments(ctx, *as.app, *as.stage, *limit)
	if err != nil {
		fmt.Fprintf(stderr, "berth history: %v\n", err)
		return exitFail
	}
	if *output == "json" {
		if list == nil {
			list = []state.Deployment{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(list)
		return exitOK
	}
	writeHistory(stdout, *as.app, *as.stage, list)
	return exitOK
}

// writeTimeline renders one deployment's steps and journal as an SVG file.
func writeTimeline(tf *targetFlags, app, stage, id, file string, stdout, stderr io.Writer) int {
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth history: %v\n", err)
		return exitFail
	}
	d, err := t.Store.GetDeployment(ctx, app, stage, id)
	if err != nil {
		fmt.Fprintf(stderr, "berth history: %v\n", err)
		return exitFail
	}
	if d == nil {
		fmt.Fprintf(stderr, "berth history: --id %s: %s/%s has no such deployment (berth history --app %s --stage %s lists them)\n", id, app, stage, app, stage)
		return exitFail
	}
	journal, err := t.Store.Journal(ctx, app, stage, id)
	if err != nil {
		fmt.Fprintf(stderr, "berth history: %v\n", err)
		return exitFail
	}
	if err := os.WriteFile(file, timeline.FromDeployment(d, journal).SVG(), 0o644); err != nil {
		fmt.Fprintf(stderr, "berth history: --timeline: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote the timeline of %s (%s, %d steps) to %s\n", id, d.Status, len(d.Steps), file)
	return exitOK
}

func writeHistory(w io.Writer, app, stage string, list []state.Deployment) {
	if len(list) == 0 {
		fmt.Fprintf(w, "%s/%s: no deployments\n", app, stage)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tSTATUS\tSOURCE\tSTARTED\tDURATION\tCONFIG VERSION\tERROR")
	for _, d := range list {
		took := "running"
		if !d.Ended.IsZero() {
			took = fmtDuration(d.Ended.Sub(d.Started))
		} else if d.Status == state.StatusQueued {
			took = "queued"
		}
		version := d.ConfigVersion
		if d.Key == "" {
			version = "(removal)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Status, d.Source, d.Started.Local().Format(time.DateTime),
			took, orText(version, "-"), firstLine(d.Error, 80))
	}
	_ = tw.Flush()
}

// firstLine shortens an error to one line of at most n characters for a table.
func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
