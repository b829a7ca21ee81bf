package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
)

func init() {
	register("plan", "show what a deploy of a config would create, update and delete", runPlan)
}

// runPlan builds the desired graph of a config and diffs it against an earlier applied
// graph (--applied) or against nothing.
func runPlan(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("plan", "-f FILE --stage S [--region R] [--account A] [--applied FILE] [--output text|json] [--remote [--stack NAME] [--profile P]]", stderr)
	file := fileFlag(fs)
	stg := fs.String("stage", "", "stage to plan (required)")
	region := fs.String("region", defaultRegion(), "target region (default $AWS_REGION, else us-east-1)")
	account := fs.String("account", "", "target account id (optional; nothing planned depends on it)")
	appliedFile := fs.String("applied", "", "the applied state: the JSON output of an earlier plan, or its \"desired\" member")
	output := fs.String("output", "text", "output format: text or json")
	remote := addRemotePlanFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case *file == "":
		return usageError(fs, "-f FILE is required")
	case *stg == "":
		return usageError(fs, "--stage is required")
	case *region == "":
		return usageError(fs, "--region must not be empty")
	case *output != "text" && *output != "json":
		return usageError(fs, "--output must be text or json, not %q", *output)
	}
	if code, done := remote.run(fs, *file, *stg, *appliedFile, *output, stdout, stderr); done {
		return code
	}

	var applied *plan.Desired
	if *appliedFile != "" {
		var err error
		if applied, err = readApplied(*appliedFile); err != nil {
			fmt.Fprintf(stderr, "berth: %v\n", err)
			return exitFail
		}
	}
	cfg, code := loadConfig(*file, *stg, stderr)
	if cfg == nil {
		return code
	}
	pv, err := stage.PreviewConfig(cfg, plan.Target{Region: *region, Account: *account}, applied)
	if err != nil {
		fmt.Fprintf(stderr, "berth: %s: %v\n", *file, err)
		return exitFail
	}
	if *output == "json" {
		b, err := json.MarshalIndent(pv.Plan, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "berth: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	writeText(stdout, pv, applied)
	// Offline there is no ECR to ask: the deployment's plan pins each tag to its digest.
	fmt.Fprintln(stderr, "note: planned offline with images by tag; a deployment pins each tag to its ECR digest, so a re-pushed tag is an update")
	return exitOK
}

func defaultRegion() string {
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if r := os.Getenv(v); r != "" {
			return r
		}
	}
	return "us-east-1"
}

// readApplied reads an applied graph: either a whole plan JSON document (its "desired"
// member is used) or a desired document on its own.
func readApplied(path string) (*plan.Desired, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Desired json.RawMessage `json:"desired"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %v", path, err)
	}
	if len(probe.Desired) > 0 && string(probe.Desired) != "null" {
		data = probe.Desired
	}
	var d plan.Desired
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%s: not a berth plan or desired document: %v", path, err)
	}
	if d.App == "" || d.Stage == "" {
		return nil, fmt.Errorf("%s: not a berth plan or desired document (no app and stage)", path)
	}
	return &d, nil
}
