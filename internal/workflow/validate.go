package workflow

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// Validate reads the uploaded config version, resolves its variables and validates it.
// It changes nothing in the account; a bad config ends the execution with *ConfigError.
func (d *Deps) Validate(ctx context.Context, in ValidateInput) (Ctx, error) {
	if in.Action == "remove" {
		return d.prepareRemove(ctx, in)
	}
	r := in.Request
	app, stg, ok := stage.ParseKey(r.Key)
	if !ok {
		return Ctx{}, &ConfigError{Message: r.Key + ": " + stage.KeyRule}
	}
	body, id, err := d.latestConfig(ctx, &r, in.Execution)
	if err != nil {
		return Ctx{}, err
	}
	c := Ctx{App: app, Stage: stg, Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, Source: orDefault(r.Source, "s3"),
		ExecutionArn: in.Execution.Arn, DeploymentID: id}
	cfg, err := d.loadConfig(ctx, c, body)
	if err != nil {
		return Ctx{}, err
	}
	if err := d.checkDomains(ctx, cfg); err != nil {
		return Ctx{}, err
	}
	if err := d.checkNetwork(ctx, cfg); err != nil {
		return Ctx{}, err
	}
	if err := d.checkPrivateZone(ctx, cfg); err != nil {
		return Ctx{}, err
	}
	err = d.startRecord(ctx, state.Deployment{ID: c.DeploymentID, App: app, Stage: stg, Status: state.StatusRunning,
		Source: state.Source(c.Source), Bucket: r.Bucket, Key: r.Key, ConfigVersion: r.VersionID, Started: d.now()})
	d.log(c, "validate").Info("config valid", "containers", len(cfg.Containers), "version", r.VersionID)
	return c, err
}

// startRecord creates the deployment's record, or resumes it when the deployment was
// queued (its record exists, QUEUED) and is now being started by the one it waited for.
func (d *Deps) startRecord(ctx context.Context, dep state.Deployment) error {
	prev, err := d.Records.GetDeploymentHeader(ctx, dep.App, dep.Stage, dep.ID)
	if err != nil {
		return err
	}
	if prev != nil && (prev.Status == state.StatusQueued || prev.Status == state.StatusRunning) {
		return d.Records.SetStatus(ctx, dep.App, dep.Stage, dep.ID, state.StatusRunning)
	}
	return d.Records.CreateDeployment(ctx, dep)
}

// latestConfig reads the newest version of the config: events can arrive late or out of
// order and a queued deployment carries no version, so always deploying the newest
// upload makes the stage converge on the last config. The deployment id still comes from
// the version that triggered this execution (the API returned it for that upload).
func (d *Deps) latestConfig(ctx context.Context, r *Request, x Execution) ([]byte, string, error) {
	latest, err := d.Configs.LatestVersion(ctx, r.Bucket, r.Key)
	if err != nil {
		return nil, "", err
	}
	body, meta, err := d.Configs.GetConfig(ctx, r.Bucket, r.Key, latest)
	if err != nil {
		return nil, "", err
	}
	if r.VersionID != "" && r.VersionID != latest {
		if _, meta, err = d.Configs.GetConfig(ctx, r.Bucket, r.Key, r.VersionID); err != nil {
			return nil, "", err
		}
		d.Log.Info("a newer upload exists: deploying it", "key", r.Key, "requested", r.VersionID, "latest", latest)
	}
	r.VersionID = latest
	return body, deploymentID(*r, meta, x), nil
}

func deploymentID(r Request, meta map[string]string, x Execution) string {
	if r.DeploymentID != "" {
		return r.DeploymentID
	}
	if id := meta[stage.MetadataDeploymentID]; id != "" {
		return id
	}
	return x.Name
}

// loadConfig parses and resolves a config for c's stage and checks what deploying needs
// beyond validity: the name matches the folder, and the stage rules (stage.Deployable);
// then it pins every image by digest (pinImages).
func (d *Deps) loadConfig(ctx context.Context, c Ctx, body []byte) (*config.Config, error) {
	cfg, err := config.Load(ctx, body, config.Options{Stage: c.Stage, File: c.Key, Resolver: d.Resolvers(c.App, c.Stage),
		Files: configFiles{d.Configs, c.Bucket, path.Dir(c.Key)}})
	var ce *config.Errors
	if errors.As(err, &ce) {
		return nil, &ConfigError{Message: ce.Error()}
	}
	if err != nil {
		return nil, err
	}
	var problems []string
	if cfg.Name != c.App {
		problems = append(problems, fmt.Sprintf("%s: name: %q does not match the folder %q it was uploaded to; upload it to %s/%s/ or change name", c.Key, cfg.Name, c.App, cfg.Name, c.Stage))
	}
	for _, p := range stage.Deployable(cfg) {
		problems = append(problems, p.Format(c.Key))
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Message: strings.Join(problems, "\n")}
	}
	if err := d.pinImages(ctx, c, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (d *Deps) checkDomains(ctx context.Context, cfg *config.Config) error {
	var problems []string
	seen := map[string]bool{}
	for _, ct := range cfg.Containers {
		dom := ct.Routing.Domain
		if dom == "" || seen[dom] {
			continue
		}
		seen[dom] = true
		if d.NewClients == nil {
			continue
		}
		if _, err := d.NewClients(nil).Zones.FindZone(ctx, dom); err != nil {
			problems = append(problems, fmt.Sprintf("containers.%s.routing.domain: %v", ct.Name, err))
		}
	}
	if len(problems) > 0 {
		return &ConfigError{Message: strings.Join(problems, "\n")}
	}
	return nil
}

// checkNetwork refuses, before anything is created, an app with an ALB (a Fargate
// container, or a private app) whose VPC cannot hold it and, for a public app, the
// CloudFront VPC origin in front of it (ec2.CheckVpcOriginNetwork says what is needed).
func (d *Deps) checkNetwork(ctx context.Context, cfg *config.Config) error {
	private := cfg.Deployment.Private
	if d.NewClients == nil || !private && !slices.ContainsFunc(cfg.Containers, func(c config.Container) bool { return c.Compute.Type == config.ComputeFargate }) {
		return nil
	}
	net := d.NewClients(nil).Network
	if net == nil {
		return nil
	}
	var vpcID string
	var subnets []string
	if v := cfg.Deployment.VPC; v != nil {
		vpcID, subnets = v.ID, v.PrivateSubnets
	}
	problems, err := net.CheckVpcOriginNetwork(ctx, vpcID, subnets, private)
	if err != nil {
		return provision.Classify(err, "check network", "AWS::EC2::VPC", orDefault(vpcID, "default"))
	}
	if len(problems) > 0 {
		return &ConfigError{Message: strings.Join(problems, "\n")}
	}
	return nil
}

// checkPrivateZone refuses, before anything is created, a private app with a custom
// domain whose deployment.awsAlb.privateHostedZoneId names a zone berth must not or cannot
// use: one that does not exist, a public one (the internal load balancer's name would be
// published to the internet), or a private one the app's VPC is not associated with (the
// domain would not resolve there). The config only checks the id's syntax; this asks
// Route 53 (route53.CheckPrivateZone says how).
func (d *Deps) checkPrivateZone(ctx context.Context, cfg *config.Config) error {
	zone := cfg.Deployment.PrivateHostedZoneID
	domains := map[string]string{}
	for _, c := range cfg.Containers {
		if c.Routing.Domain != "" {
			domains["containers."+c.Name+".routing.domain"] = c.Routing.Domain
		}
	}
	if d.NewClients == nil || !cfg.Deployment.Private || zone == "" || len(domains) == 0 {
		return nil
	}
	zones := d.NewClients(nil).PrivateZones
	if zones == nil {
		return nil
	}
	var vpcID string
	if v := cfg.Deployment.VPC; v != nil {
		vpcID = v.ID
	}
	problems, err := zones.CheckPrivateZone(ctx, zone, vpcID, domains)
	if err != nil {
		return provision.Classify(err, "check private hosted zone", "AWS::Route53::HostedZone", zone)
	}
	if len(problems) > 0 {
		return &ConfigError{Message: strings.Join(problems, "\n")}
	}
	return nil
}

func (d *Deps) prepareRemove(ctx context.Context, in ValidateInput) (Ctx, error) {
	r := in.Request
	if r.App == "" || r.Stage == "" {
		return Ctx{}, &ConfigError{Message: "remove needs app and stage"}
	}
	c := Ctx{App: r.App, Stage: r.Stage, Source: orDefault(r.Source, "cli"), ExecutionArn: in.Execution.Arn,
		DeploymentID: deploymentID(r, nil, in.Execution)}
	err := d.Records.CreateDeployment(ctx, state.Deployment{ID: c.DeploymentID, App: c.App, Stage: c.Stage,
		Status: state.StatusRunning, Source: state.Source(c.Source), Started: d.now()})
	return c, err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// configFiles reads the files a config's ${file()} names from the config's own prefix in
// the config bucket, where the CLI uploads them beside it (newest versions).
type configFiles struct {
	src         ConfigSource
	bucket, dir string
}

func (f configFiles) ReadFile(ctx context.Context, name string) ([]byte, error) {
	body, _, err := f.src.GetConfig(ctx, f.bucket, path.Join(f.dir, name), "")
	return body, err
}
