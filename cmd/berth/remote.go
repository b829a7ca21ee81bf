package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/images"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/secrets"
	"github.com/berth-dev/berth/internal/stage"
)

// remotePlanFlags turn `berth plan` into a plan against what is deployed: --remote plus
// the target flags (plan's own --region is reused as the AWS region).
type remotePlanFlags struct {
	on bool
	tf *targetFlags
}

func addRemotePlanFlags(fs *flag.FlagSet) *remotePlanFlags {
	r := &remotePlanFlags{}
	fs.BoolVar(&r.on, "remote", false, "plan against the applied state of the deployed app/stage, for the region and account it was deployed to (reads berth's state; --region, if given, is the AWS region berth runs in)")
	r.tf = addTargetFlags(fs, needState)
	return r
}

// run handles `plan --remote`; done is false when the plan is an offline one.
func (r *remotePlanFlags) run(fs *flag.FlagSet, file, stage, appliedFile, output string, stdout, stderr io.Writer) (code int, done bool) {
	if !r.on {
		var stray string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "stack" || f.Name == "profile" || isNameFlag(f.Name) {
				stray = f.Name
			}
		})
		if stray != "" {
			return usageError(fs, "--%s is for --remote plans", stray), true
		}
		return exitOK, false
	}
	if appliedFile != "" {
		return usageError(fs, "--applied and --remote are exclusive: --remote reads the applied state from berth"), true
	}
	return remotePlan(r.tf, file, stage, output, stdout, stderr), true
}

func isNameFlag(name string) bool {
	for _, s := range nameSources {
		if s.flag == name {
			return true
		}
	}
	return false
}

// remotePlan plans a config against the applied state of its app/stage, as the deployer
// would: the graph is built for the region and account the app was deployed to, with the
// config's SSM variables resolved (so unchanged secrets are not shown as changes).
func remotePlan(tf *targetFlags, file, stg, output string, stdout, stderr io.Writer) int {
	cfg, code := loadConfig(file, stg, stderr)
	if cfg == nil {
		return code
	}
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth plan: %v\n", err)
		return exitFail
	}
	applied, err := t.Store.LoadApplied(ctx, cfg.Name, stg)
	if err != nil {
		fmt.Fprintf(stderr, "berth plan: %v\n", err)
		return exitFail
	}
	target := plan.Target{Region: t.AWS.Region}
	var appliedGraph *plan.Desired
	if applied != nil && applied.Desired != nil {
		appliedGraph = applied.Desired
		target = plan.Target{Region: appliedGraph.Region, Account: appliedGraph.Account}
	}
	if resolved, err := resolveConfig(ctx, t, file, cfg.Name, stg); err != nil {
		fmt.Fprintf(stderr, "berth plan: warning: variables not resolved (%v): values from SSM may show as changed\n", err)
	} else {
		cfg = resolved
	}
	pinImages(ctx, t, cfg, target.Region, stderr)
	pv, err := stage.PreviewConfig(cfg, target, appliedGraph)
	if err != nil {
		fmt.Fprintf(stderr, "berth: %s: %v\n", file, err)
		return exitFail
	}
	if output == "json" {
		b, err := json.MarshalIndent(pv.Plan, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "berth: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	if applied == nil {
		fmt.Fprintf(stdout, "%s/%s is not deployed: everything is new.\n", cfg.Name, stg)
	} else {
		fmt.Fprintf(stdout, "Against %s/%s as deployed by %s (config version %s, %s).\n", cfg.Name, stg,
			applied.DeploymentID, orText(applied.ConfigVersion, "-"), when(applied.UpdatedAt))
	}
	writeText(stdout, pv, appliedGraph)
	return exitOK
}

// pinImages pins each container's image to its ECR digest as the deployer does, so the
// plan shows a re-pushed tag as a digest change (and an unchanged one as no change).
// An image it cannot pin stays by tag, with a warning: the deployment would refuse it.
func pinImages(ctx context.Context, t *Target, cfg *config.Config, region string, stderr io.Writer) {
	r := &images.Resolver{Region: region, Client: func(rg string) images.ECR {
		c := t.AWS.Copy()
		c.Region = rg
		return ecr.NewFromConfig(c)
	}}
	for i, ct := range cfg.Containers {
		res, err := r.Resolve(ctx, images.Image{Container: ct.Name, URI: ct.Image, Lambda: ct.Compute.Type == config.ComputeLambda})
		if err != nil {
			fmt.Fprintf(stderr, "berth plan: warning: image not pinned: %v\n", err)
			continue
		}
		if res.Warning != "" {
			fmt.Fprintf(stderr, "berth plan: warning: %s\n", res.Warning)
		}
		cfg.Containers[i].Image = res.URI
	}
}

// resolveConfig loads the config again with the deployer's SSM resolver (nothing is
// resolved, and no call made, when the config has no ${ssm:}/${env:} variables).
func resolveConfig(ctx context.Context, t *Target, file, app, stage string) (*config.Config, error) {
	data, err := config.ReadFile(file)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(ctx, data, config.Options{Stage: stage, File: file, Files: config.DirFiles(filepath.Dir(file)),
		Resolver: &secrets.Resolver{Client: ssm.NewFromConfig(t.AWS), App: app, Stage: stage}})
	var diags *config.Errors
	if errors.As(err, &diags) && len(diags.Diagnostics) > 0 {
		return nil, errors.New(diags.Diagnostics[0].Message)
	}
	return cfg, err
}
