package config

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeStages reads `stages` as written (before variables are resolved, so Config.Stages
// never holds a resolved secret) and returns the parameters ${param:} sees for stage:
// the stage's own, then stages.default's.
func (d *decoder) decodeStages(stage string) (map[string]StageConfig, map[string]paramRef) {
	n := lookupKey(d.root, "stages")
	params := map[string]paramRef{}
	entries := d.entries("stages", n, "a mapping of stage names to { params: {...} }")
	if len(entries) == 0 {
		return nil, params
	}
	out := map[string]StageConfig{}
	own := map[string][]entry{}
	for _, e := range entries {
		path := join("stages", e.key)
		if e.key != "default" && !stageRE.MatchString(e.key) {
			d.warnAt(path, e.k, "stage %q can never be deployed: stage names are 1-16 lowercase letters, digits and hyphens, starting with a letter (or \"default\" for the fallback)", clip(e.key))
		}
		f := d.fields(path, e.v, stageKeys)
		sc := StageConfig{Params: map[string]string{}}
		own[e.key] = d.entries(join(path, "params"), f["params"], "a mapping of parameter names to values")
		for _, p := range own[e.key] {
			if isNull(p.v) {
				d.errorAt(join(path, "params", p.key), p.k, "parameter %q has no value; give it one (use \"\" for an empty string)", clip(p.key))
			}
			sc.Params[p.key] = rawValue(p.v)
		}
		out[e.key] = sc
	}
	for _, s := range []string{"default", stage} { // the stage's own params win
		for _, p := range own[s] {
			params[p.key] = paramRef{node: p.v, path: join("stages", s, "params", p.key)}
		}
	}
	return out, params
}

// rawValue is a value as written: scalars' text, mappings and lists as JSON.
func rawValue(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if isNull(n) {
			return ""
		}
		return n.Value
	}
	return toJSON(n)
}

func (d *decoder) decodeConfig(c *Config) {
	f := d.fields("", d.root, rootKeys)
	if d.require("name", f["name"], "name is required: add e.g. name: my-app (3-16 letters, digits, hyphens and underscores)") {
		c.Name, _ = d.str("name", f["name"])
	}
	// SCF's Dashboard org and the Framework version pin: meaningful to the Serverless CLI
	// only. Their type is still checked so a mangled file is not silently accepted.
	if _, ok := d.str("org", f["org"]); ok {
		d.warn("org", "org (the Serverless Dashboard organization) is read and ignored: berth has no dashboard")
	}
	if _, ok := d.str("frameworkVersion", f["frameworkVersion"]); ok {
		d.warn("frameworkVersion", "frameworkVersion is read and ignored: berth runs SCF configs whatever Framework version they pinned")
	}
	c.Deployment = d.deployment(f["deployment"])
	c.Containers = d.containers(f["containers"])
}

func (d *decoder) deployment(n *yaml.Node) Deployment {
	dep := Deployment{
		DriftRepair:      true,
		LogRetentionDays: DefaultLogRetentionDays,
		CloudFront:       CloudFront{OriginReadTimeout: DefaultOriginReadTimeout, PriceClass: DefaultPriceClass},
	}
	if !d.require("deployment", n, "deployment is required: add deployment: { type: aws@1.0 }") {
		return dep
	}
	f := d.fields("deployment", n, deploymentKeys)
	if d.require("deployment.type", f["type"], "deployment.type is required: use aws@1.0 or awsApi@1.0") {
		dep.Type, _ = d.enum("deployment.type", f["type"])
	}
	dep.VPC = d.vpc(f["awsVpc"])
	iam := d.fields("deployment.awsIam", f["awsIam"], deploymentIamKeys)
	dep.RoleArn, _ = d.str("deployment.awsIam.roleArn", iam["roleArn"])
	alb := d.fields("deployment.awsAlb", f["awsAlb"], albKeys)
	dep.AlbWafAclArn, _ = d.str("deployment.awsAlb.wafAclArn", alb["wafAclArn"])
	d.private(&dep, f["private"], alb["internal"])
	if zone, ok := d.str("deployment.awsAlb.privateHostedZoneId", alb["privateHostedZoneId"]); ok {
		dep.PrivateHostedZoneID = strings.TrimPrefix(zone, "/hostedzone/")
	}
	ecs := d.fields("deployment.awsFargateEcs", f["awsFargateEcs"], deploymentFargateKeys)
	dep.ExecutionRole, _ = d.str("deployment.awsFargateEcs.executionRoleArn", ecs["executionRoleArn"])
	d.cloudFront(&dep.CloudFront, f["awsCloudFront"])
	if v, ok := d.boolean("deployment.drift.repair", d.fields("deployment.drift", f["drift"], driftKeys)["repair"]); ok {
		dep.DriftRepair = v
	}
	if v, ok := d.integer("deployment.logs.retentionInDays", d.fields("deployment.logs", f["logs"], logsKeys)["retentionInDays"]); ok {
		dep.LogRetentionDays = v
	}
	if n, ok := f["slack"]; ok && present(n) {
		d.entries("deployment.slack", n, "a mapping (SCF's Slack notification settings)")
		d.warn("deployment.slack", "deployment.slack (SCF's deployment notifications) is read and ignored: berth reports deployments through its API and `berth status`")
	}
	return dep
}

// private reads deployment.private and its alias deployment.awsAlb.internal (before berth
// had private apps, awsAlb.internal asked for an ALB outside the internet; a private app
// is what that meant). Both set to different values is refused rather than guessed.
func (d *decoder) private(dep *Deployment, private, internal *yaml.Node) {
	p, pok := d.boolean("deployment.private", private)
	a, aok := d.boolean("deployment.awsAlb.internal", internal)
	if pok && aok && p != a {
		d.fail("deployment.awsAlb.internal", "is %t but deployment.private is %t; awsAlb.internal is an alias of deployment.private: remove it and keep deployment.private", a, p)
	}
	dep.Private = (pok && p) || (!pok && aok && a)
}

func (d *decoder) cloudFront(cf *CloudFront, n *yaml.Node) {
	const p = "deployment.awsCloudFront"
	f := d.fields(p, n, cloudFrontKeys)
	cf.WafAclArn, _ = d.str(p+".wafAclArn", f["wafAclArn"])
	if v, ok := d.integer(p+".originReadTimeout", f["originReadTimeout"]); ok {
		cf.OriginReadTimeout = v
	}
	if v, ok := d.enum(p+".priceClass", f["priceClass"]); ok {
		cf.PriceClass = v
	}
}

// vpc decodes deployment.awsVpc; SCF requires every field once the block is set.
func (d *decoder) vpc(n *yaml.Node) *VPC {
	const p = "deployment.awsVpc"
	if !present(n) || d.unknown[p] {
		return nil
	}
	f := d.fields(p, n, vpcKeys)
	for _, k := range vpcKeys {
		d.require(join(p, k), f[k], "%s is required when deployment.awsVpc is set: bring all of %s", k, strings.Join(vpcKeys, ", "))
	}
	v := &VPC{}
	v.ID, _ = d.str(p+".id", f["id"])
	v.PublicSubnets = d.strList(p+".publicSubnets", f["publicSubnets"])
	v.PrivateSubnets = d.strList(p+".privateSubnets", f["privateSubnets"])
	v.S2SSecurityGroupID, _ = d.str(p+".s2sSecurityGroupId", f["s2sSecurityGroupId"])
	v.LoadBalancerSecurityGroupID, _ = d.str(p+".loadBalancerSecurityGroupId", f["loadBalancerSecurityGroupId"])
	return v
}

func (d *decoder) containers(n *yaml.Node) []Container {
	const want = "containers is required: add at least one, e.g. containers: { web: { image: <uri>, routing: { pathPattern: /* } } }"
	if !d.require("containers", n, want) {
		return nil
	}
	entries := d.entries("containers", n, "a mapping of container names to their settings")
	if len(entries) == 0 && n.Kind == yaml.MappingNode {
		d.errorAt("containers", n, "%s", want)
	}
	var out []Container
	for _, e := range entries {
		out = append(out, d.container(e.key, e.v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (d *decoder) container(name string, n *yaml.Node) Container {
	path := join("containers", name)
	f := d.fields(path, n, containerKeys)
	c := Container{Name: name, Port: DefaultPort, Compute: d.compute(path+".compute", nil)}
	if present(n) && n.Kind != yaml.MappingNode {
		return c // reported by fields; its missing keys would only repeat that
	}
	c.Src, _ = d.str(path+".src", f["src"])
	c.Image, _ = d.str(path+".image", f["image"])
	if v, ok := d.integer(path+".port", f["port"]); ok {
		c.Port = v
	}
	c.Environment = d.environment(path+".environment", f["environment"])
	c.Routing = d.routing(path+".routing", f["routing"])
	c.Compute = d.compute(path+".compute", f["compute"])
	_, c.HasBuild = f["build"]
	_, c.HasDev = f["dev"]
	c.Integrations = d.integrations(path+".integrations", f["integrations"])
	d.ignored(path, f)
	return c
}

// ignored checks the shape of keys berth accepts but does not act on, and warns that
// they are ignored so nothing is dropped silently.
func (d *decoder) ignored(path string, f map[string]*yaml.Node) {
	if n, ok := f["build"]; ok {
		d.build(path+".build", n)
		d.warn(path+".build", "build is accepted for SCF compatibility but its options are ignored: berth builds src in the account (docker build with a Dockerfile, else Cloud Native Buildpacks)")
	}
	if n, ok := f["dev"]; ok {
		d.dev(path+".dev", n)
		d.warn(path+".dev", "dev is accepted for SCF compatibility but ignored: berth has no local development mode")
	}
}

func (d *decoder) build(path string, n *yaml.Node) {
	f := d.fields(path, n, buildKeys)
	for _, e := range d.entries(path+".args", f["args"], "a mapping of build argument names to values") {
		d.str(join(path+".args", e.key), e.v)
	}
	d.str(path+".dockerFileString", f["dockerFileString"])
	if o := f["options"]; o != nil && o.Kind == yaml.SequenceNode {
		d.strList(path+".options", o)
	} else {
		d.scalar(path+".options", o, "a string or a list of strings")
	}
}

func (d *decoder) dev(path string, n *yaml.Node) {
	f := d.fields(path, n, devKeys)
	hooks := d.fields(path+".hooks", f["hooks"], hooksKeys)
	d.str(path+".hooks.onreload", hooks["onreload"])
	d.str(path+".watchPath", f["watchPath"])
	d.strList(path+".watchExtensions", f["watchExtensions"])
	d.strList(path+".excludeDirectories", f["excludeDirectories"])
}

// environment decodes values of any type: scalars as written (PORT: 8080 → "8080"),
// mappings and lists as JSON text, as SCF passed them.
func (d *decoder) environment(path string, n *yaml.Node) []EnvVar {
	var out []EnvVar
	for _, e := range d.entries(path, n, "a mapping of variable names to values") {
		p := join(path, e.key)
		ev := EnvVar{Name: e.key}
		if inf := d.info[e.v]; inf != nil {
			ev.Ref = inf.ref
		}
		sure, external, failed, from := false, false, false, ""
		d.walk(e.v, func(inf *varInfo) {
			ev.Secret = ev.Secret || inf.secret
			sure = sure || inf.sure
			external = external || inf.external
			failed = failed || inf.failed
			ev.Unresolved = ev.Unresolved || inf.unresolved || inf.failed
		})
		if inf := d.info[e.v]; inf != nil {
			from = inf.from
		}
		if ev.Secret && from != "" {
			ev.Ref = from // the reference berth delivers the secret from
		}
		if (sure || external) && !failed {
			d.checkSecretDelivery(p, from)
		}
		switch {
		case ev.Unresolved:
		case isNull(e.v):
			d.errorAt(p, e.k, "%s has no value; give it one (use %s: \"\" for an empty string)", clip(e.key), clip(e.key))
		default:
			ev.Value = rawValue(e.v)
			if !ev.Secret {
				d.warnClearSecret(p, ev.Value)
			}
		}
		out = append(out, ev)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (d *decoder) walk(n *yaml.Node, fn func(*varInfo)) {
	if inf := d.info[n]; inf != nil {
		fn(inf)
	}
	for _, c := range n.Content {
		d.walk(c, fn)
	}
}

func (d *decoder) routing(path string, n *yaml.Node) Routing {
	var r Routing
	if !d.require(path, n, "routing is required: set at least routing.pathPattern, e.g. pathPattern: /*") {
		return r
	}
	f := d.fields(path, n, routingKeys)
	r.Domain, _ = d.str(path+".domain", f["domain"])
	if d.require(path+".pathPattern", f["pathPattern"], "pathPattern is required: the path this container serves, e.g. /* or /api/*") {
		r.PathPattern, _ = d.str(path+".pathPattern", f["pathPattern"])
	}
	var ok bool
	if r.PathHealthCheck, ok = d.str(path+".pathHealthCheck", f["pathHealthCheck"]); !ok {
		r.PathHealthCheck = basePath(r.PathPattern)
	}
	return r
}

// basePath is SCF's default health check path: the pattern without its wildcard
// ("/api/*" → "/api", "/*" → "/").
func basePath(pattern string) string {
	if !strings.HasPrefix(pattern, "/") {
		return "/"
	}
	p := strings.TrimSuffix(strings.TrimSuffix(pattern, "*"), "/")
	if p == "" {
		return "/"
	}
	return p
}

func (d *decoder) compute(path string, n *yaml.Node) Compute {
	f := d.fields(path, n, computeKeys)
	c := Compute{Type: ComputeLambda}
	if t, ok := d.enum(path+".type", f["type"]); ok {
		c.Type = t
	}
	c.Lambda = d.lambda(path+".awsLambda", f["awsLambda"])
	c.Fargate = d.fargate(path+".awsFargateEcs", f["awsFargateEcs"])
	iam := d.fields(path+".awsIam", f["awsIam"], computeIamKeys)
	c.RoleArn, _ = d.str(path+".awsIam.roleArn", iam["roleArn"])
	if pol := iam["customPolicy"]; present(pol) && d.known(path+".awsIam.customPolicy") {
		if pol.Kind == yaml.MappingNode {
			c.CustomPolicy = toAny(pol).(map[string]any)
		} else {
			d.errorAt(path+".awsIam.customPolicy", pol, "must be an IAM policy document (a mapping with Version and Statement), got %s", describe(pol))
		}
	}
	return c
}

func (d *decoder) lambda(path string, n *yaml.Node) LambdaCompute {
	l := LambdaCompute{Memory: DefaultLambdaMemory, Timeout: DefaultLambdaTimeout, InvokeMode: DefaultInvokeMode, Architecture: DefaultArchitecture}
	f := d.fields(path, n, lambdaKeys)
	if v, ok := d.integer(path+".memory", f["memory"]); ok {
		l.Memory = v
	}
	if v, ok := d.integer(path+".timeout", f["timeout"]); ok {
		l.Timeout = v
	}
	l.VPC, _ = d.boolean(path+".vpc", f["vpc"])
	if v, ok := d.enum(path+".invokeMode", f["invokeMode"]); ok {
		l.InvokeMode = v
	}
	if v, ok := d.enum(path+".architecture", f["architecture"]); ok {
		l.Architecture = v
	}
	if v, ok := d.boolean(path+".webAdapter", f["webAdapter"]); ok {
		l.NoWebAdapter = !v
	}
	return l
}

// fargate applies SCF's defaults (256 CPU / 512 MiB). When only one of cpu and memory is
// set, the other defaults to the smallest size AWS allows with it, rather than to a
// fixed value that could make the pair invalid (cpu: 1024 alone gets 2048 MiB).
func (d *decoder) fargate(path string, n *yaml.Node) FargateCompute {
	f := d.fields(path, n, fargateKeys)
	cpu, cpuSet := d.integer(path+".cpu", f["cpu"])
	mem, memSet := d.integer(path+".memory", f["memory"])
	switch {
	case cpuSet && !memSet:
		mem = DefaultFargateMemory
		if valid := fargateMemory[cpu]; len(valid) > 0 {
			mem = valid[0]
		}
	case memSet && !cpuSet:
		cpu = smallestFargateCPU(mem)
	case !cpuSet && !memSet:
		cpu, mem = DefaultFargateCPU, DefaultFargateMemory
	}
	return FargateCompute{CPU: cpu, Memory: mem, Scale: d.scale(path+".scale", f["scale"])}
}
