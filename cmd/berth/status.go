package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/localrun"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

func init() {
	register("status", "show an app/stage as deployed: URL, domains, routes, last deployment, lock, drift", runStatus)
}

// statusView is `berth status --output json`.
type statusView struct {
	App               string             `json:"app"`
	Stage             string             `json:"stage"`
	Deployed          bool               `json:"deployed"`
	URL               string             `json:"url,omitempty"`
	Domains           []string           `json:"domains,omitempty"`
	Routes            []routeView        `json:"routes,omitempty"`
	Containers        []containerView    `json:"containers,omitempty"`
	Resources         int                `json:"resources"`
	ConfigKey         string             `json:"configKey,omitempty"`
	ConfigVersion     string             `json:"configVersion,omitempty"`
	AppliedDeployment string             `json:"appliedDeployment,omitempty"`
	AppliedAt         time.Time          `json:"appliedAt,omitzero"`
	LastDeployment    *state.Deployment  `json:"lastDeployment,omitempty"`
	Lock              *state.Lock        `json:"lock,omitempty"`
	Drift             *state.DriftReport `json:"drift,omitempty"`
}

// routeView is one KVS route as written by the last deployment.
type routeView struct {
	Key       string `json:"key"`
	Container string `json:"container,omitempty"`
	Target    string `json:"target,omitempty"`
	Raw       string `json:"raw,omitempty"` // a value this CLI cannot decode
}

// appStageFlags are --app/--stage, or -f FILE to take the app from a config's name.
type appStageFlags struct {
	app, stage, file *string
	fileAllowed      bool
}

func addAppStageFlags(fs *flag.FlagSet, fileAllowed bool) *appStageFlags {
	a := &appStageFlags{app: fs.String("app", "", "app name (the config's name)"), stage: fs.String("stage", "", "stage (required)"), fileAllowed: fileAllowed}
	if fileAllowed {
		a.file = fileFlag(fs)
	}
	return a
}

// check fills the app from -f and reports a bad command line (code exitUsage).
func (a *appStageFlags) check(fs *flag.FlagSet, stderr io.Writer) (int, bool) {
	if a.fileAllowed && *a.file != "" {
		if *a.app != "" {
			return usageError(fs, "give --app or -f FILE, not both"), false
		}
		body, err := config.ReadFile(*a.file)
		if err != nil {
			fmt.Fprintf(stderr, "berth: %v\n", err)
			return exitFail, false
		}
		if *a.app = localrun.AppName(body); *a.app == "" {
			fmt.Fprintf(stderr, "berth: %s: no name: the app name is the config's name\n", *a.file)
			return exitFail, false
		}
	}
	switch {
	case *a.app == "" && a.fileAllowed:
		return usageError(fs, "--app (or -f FILE) is required"), false
	case *a.app == "":
		return usageError(fs, "--app is required"), false
	case !validApp(*a.app):
		return usageError(fs, "--app %q %s", *a.app, config.AppNameProblem(*a.app)), false
	case *a.stage == "":
		return usageError(fs, "--stage is required"), false
	case !validStage(*a.stage):
		return usageError(fs, "--stage %q %s", *a.stage, config.StageNameProblem(*a.stage)), false
	}
	return exitOK, true
}

func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", "(--app A | -f FILE) --stage S [--output text|json] [--stack NAME] [--profile P] [--region R]", stderr)
	as := addAppStageFlags(fs, true)
	output := fs.String("output", "text", "output format: text or json")
	tf := addTargetFlags(fs, needState)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := as.check(fs, stderr); !ok {
		return code
	}
	if *output != "text" && *output != "json" {
		return usageError(fs, "--output must be text or json, not %q", *output)
	}
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth status: %v\n", err)
		return exitFail
	}
	v, err := loadStatus(ctx, t, *as.app, *as.stage)
	if err != nil {
		fmt.Fprintf(stderr, "berth status: %v\n", err)
		return exitFail
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
		return exitOK
	}
	writeStatus(stdout, v)
	return exitOK
}

func loadStatus(ctx context.Context, t *Target, app, stage string) (*statusView, error) {
	return loadStatusWith(ctx, t, app, stage, sdkHealthClients(t.AWS))
}

// loadStatusWith reads the status; clients nil leaves out the containers' live health.
func loadStatusWith(ctx context.Context, t *Target, app, stg string, clients healthClients) (*statusView, error) {
	sv, err := stage.Status(ctx, t.Store, app, stg)
	if err != nil {
		return nil, err
	}
	v := &statusView{App: app, Stage: stg, Deployed: sv.Deployed(), Lock: sv.Lock, Drift: sv.Drift}
	applied := sv.Applied
	if v.Deployed {
		v.ConfigKey, v.ConfigVersion = applied.ConfigKey, applied.ConfigVersion
		v.AppliedDeployment, v.AppliedAt = applied.DeploymentID, applied.UpdatedAt
		if sv.DistributionDomain != "" {
			v.URL = "https://" + sv.DistributionDomain
		}
		for _, a := range sv.Aliases {
			v.Domains = append(v.Domains, "https://"+a)
		}
		v.Resources = len(applied.Desired.Resources)
		for _, r := range sv.Routes {
			v.Routes = append(v.Routes, routeView{Key: r.Key, Container: r.Value.Container, Target: r.Value.Target, Raw: r.Raw})
		}
	}
	last, err := t.Store.ListDeployments(ctx, app, stg, 1)
	if err != nil {
		return nil, err
	}
	if len(last) > 0 {
		v.LastDeployment = &last[0]
	}
	if v.Deployed && clients != nil {
		var full *state.Deployment
		if v.LastDeployment != nil {
			// The header has no steps; what the deployment did per container is in them.
			if full, err = t.Store.GetDeployment(ctx, app, stg, v.LastDeployment.ID); err != nil {
				return nil, err
			}
		}
		v.Containers = containerViews(ctx, applied, v.Routes, full, clients)
	}
	return v, nil
}

func writeStatus(w io.Writer, v *statusView) {
	if !v.Deployed {
		fmt.Fprintf(w, "%s/%s: not deployed\n", v.App, v.Stage)
	} else {
		fmt.Fprintf(w, "%s/%s: deployed\n", v.App, v.Stage)
		fmt.Fprintf(w, "  url:         %s\n", orText(v.URL, "(none recorded)"))
		if len(v.Domains) > 0 {
			fmt.Fprintf(w, "  domains:     %s\n", strings.Join(v.Domains, ", "))
		}
		fmt.Fprintf(w, "  resources:   %d\n", v.Resources)
		fmt.Fprintf(w, "  routes:      %d\n", len(v.Routes))
		width := 0
		for _, r := range v.Routes {
			width = max(width, len(r.Key))
		}
		for _, r := range v.Routes {
			to := r.Raw
			if r.Container != "" {
				to = fmt.Sprintf("%s (%s)", r.Container, r.Target)
			}
			fmt.Fprintf(w, "    %-*s -> %s\n", width, r.Key, to)
		}
		if len(v.Containers) > 0 {
			fmt.Fprintf(w, "  containers:  %d\n", len(v.Containers))
		}
		for _, c := range v.Containers {
			fmt.Fprintf(w, "    %s (%s): %s\n", c.Name, c.Compute, orText(strings.Join(c.Paths, ", "), "no routes"))
			health := "healthy"
			if !c.Healthy {
				health = "UNHEALTHY"
			}
			fmt.Fprintf(w, "      health: %s, %s\n", health, c.Health)
			if c.LastDeployment != "" {
				fmt.Fprintf(w, "      last deployment: %s\n", c.LastDeployment)
			}
		}
		fmt.Fprintf(w, "  config:      %s (version %s)\n", v.ConfigKey, orText(v.ConfigVersion, "-"))
		fmt.Fprintf(w, "  applied by:  deployment %s at %s\n", v.AppliedDeployment, when(v.AppliedAt))
	}
	if d := v.LastDeployment; d != nil {
		kind := ""
		if d.Key == "" {
			kind = " (removal)"
		}
		fmt.Fprintf(w, "  last deployment: %s%s %s, started %s", d.ID, kind, d.Status, when(d.Started))
		if !d.Ended.IsZero() {
			fmt.Fprintf(w, ", took %s", fmtDuration(d.Ended.Sub(d.Started)))
		}
		fmt.Fprintln(w)
		if d.Error != "" {
			fmt.Fprintf(w, "    error: %s\n", indentLines(d.Error, "      "))
		}
	} else {
		fmt.Fprintln(w, "  last deployment: none")
	}
	switch l := v.Lock; {
	case l == nil:
		fmt.Fprintln(w, "  lock:        free")
	default:
		lease := "until"
		if time.Now().After(l.ExpiresAt) {
			lease = "lease expired at"
		}
		fmt.Fprintf(w, "  lock:        held by deployment %s (%s %s)\n", l.Holder, lease, when(l.ExpiresAt))
		if p := l.Pending; p != nil {
			fmt.Fprintf(w, "  pending:     deployment %s (config version %s, requested %s)\n", p.DeploymentID, orText(p.VersionID, "-"), when(p.RequestedAt))
		}
	}
	switch r := v.Drift; {
	case r == nil:
		fmt.Fprintln(w, "  drift:       never checked")
	case len(r.Resources) == 0:
		fmt.Fprintf(w, "  drift:       none at %s\n", when(r.At))
	default:
		fmt.Fprintf(w, "  drift:       %d %s drifted at %s", len(r.Resources), plural(len(r.Resources), "resource", "resources"), when(r.At))
		if r.Repaired {
			fmt.Fprintf(w, " (repaired by deployment %s)", r.DeploymentID)
		} else {
			fmt.Fprint(w, " (not repaired)")
		}
		fmt.Fprintln(w)
		for _, rd := range r.Resources {
			what := "changed"
			if rd.Missing {
				what = "missing"
			}
			var fields []string
			for _, d := range rd.Diff {
				fields = append(fields, d.Field)
			}
			if len(fields) > 0 {
				what += ": " + strings.Join(fields, ", ")
			}
			fmt.Fprintf(w, "    %s %s (%s)\n", rd.ID, rd.Kind, what)
		}
	}
}

// when prints a time for people, in local time.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}
