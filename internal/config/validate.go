package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/edge"
	"gopkg.in/yaml.v3"
)

// validate checks the decoded model: ranges, value sets, shapes and rules that span
// several keys. Structure and types were checked while decoding; values that are offline
// placeholders are skipped (see decoder.fail).
func (d *decoder) validate(c *Config) {
	d.checkName(c.Name)
	d.checkDeployment(&c.Deployment)
	for i := range c.Containers {
		d.checkContainer(c, &c.Containers[i])
	}
	d.checkRoutes(c.Containers)
	d.checkWebhookRoutes(c.Containers)
	d.checkAlbUse(c)
	d.checkPrivate(c)
	d.checkLimits(c)
	d.checkIsolation(c)
}

// has reports whether the file sets a value at path (defaults are valid by construction).
func (d *decoder) has(path string) bool { return present(d.nodes[path]) }

// bad reports an invalid value: what is wrong and what is valid (problem), plus a hint
// that may repeat parts of the value and is therefore dropped for secret values.
func (d *decoder) bad(path, value, problem, hint string) {
	msg := d.quote(path, value) + " " + problem
	if hint != "" && !d.secret[path] {
		msg += "; " + hint
	}
	d.fail(path, "%s", msg)
}

func (d *decoder) inRange(path string, v, lo, hi int, what string) {
	if d.has(path) && (v < lo || v > hi) {
		d.fail(path, "%d is out of range: %s must be between %d and %d", v, what, lo, hi)
	}
}

func (d *decoder) atLeast(path string, v, lo int, what string) {
	if d.has(path) && v < lo {
		d.fail(path, "%d is out of range: %s must be %d or more", v, what, lo)
	}
}

func (d *decoder) oneOfStr(path, v string, valid []string, what string) {
	if !d.has(path) || contains(valid, v) {
		return
	}
	hint := ""
	if s := closest(v, valid); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	d.bad(path, v, fmt.Sprintf("is not a valid %s: use one of %s", what, oneOf(valid)), hint)
}

func (d *decoder) checkName(name string) {
	problem := AppNameProblem(name)
	if !d.has("name") || problem == "" {
		return
	}
	hint := ""
	if s := suggestName(name, 16); s != "" {
		hint = fmt.Sprintf("e.g. %q", s)
	}
	d.bad("name", name, problem, hint)
}

func (d *decoder) checkDeployment(dep *Deployment) {
	d.oneOfStr("deployment.type", dep.Type, deploymentTypes, "deployment type")
	d.checkVPC(dep.VPC)
	d.checkRoleArn("deployment.awsIam.roleArn", dep.RoleArn)
	d.checkRoleArn("deployment.awsFargateEcs.executionRoleArn", dep.ExecutionRole)
	d.checkWebACL("deployment.awsAlb.wafAclArn", dep.AlbWafAclArn, "regional")
	d.checkWebACL("deployment.awsCloudFront.wafAclArn", dep.CloudFront.WafAclArn, "global")
	const timeout = "deployment.awsCloudFront.originReadTimeout"
	d.inRange(timeout, dep.CloudFront.OriginReadTimeout, 1, 120, "the origin read timeout (seconds)")
	if d.has(timeout) && d.known(timeout) && dep.CloudFront.OriginReadTimeout > 60 && dep.CloudFront.OriginReadTimeout <= 120 {
		d.warn(timeout, "origin read timeouts above 60 seconds need a raised CloudFront quota (\"Response timeout per origin\" in Service Quotas); without it the deploy fails")
	}
	d.oneOfStr("deployment.awsCloudFront.priceClass", dep.CloudFront.PriceClass, priceClasses, "CloudFront price class")
	if p := "deployment.logs.retentionInDays"; d.has(p) && !contains(retentionDays, dep.LogRetentionDays) {
		d.fail(p, "%d is not a retention CloudWatch Logs accepts: use one of %s (days)", dep.LogRetentionDays, oneOf(retentionDays))
	}
}

func (d *decoder) checkVPC(v *VPC) {
	if v == nil {
		return
	}
	const p = "deployment.awsVpc"
	if d.has(p+".id") && !vpcIDRE.MatchString(v.ID) {
		d.bad(p+".id", v.ID, "is not a VPC ID: use vpc- followed by 8 or 17 hex digits, e.g. vpc-0a1b2c3d4e5f67890", "")
	}
	d.checkIDs(p+".publicSubnets", v.PublicSubnets, true)
	d.checkIDs(p+".privateSubnets", v.PrivateSubnets, true)
	d.checkIDs(p+".s2sSecurityGroupId", []string{v.S2SSecurityGroupID}, false)
	d.checkIDs(p+".loadBalancerSecurityGroupId", []string{v.LoadBalancerSecurityGroupID}, false)
}

// checkIDs checks subnet lists (at least two, for two Availability Zones, no repeats) or
// a single security group ID.
func (d *decoder) checkIDs(path string, ids []string, subnets bool) {
	if !d.has(path) || !d.known(path) {
		return
	}
	if !subnets {
		if !sgIDRE.MatchString(ids[0]) {
			d.bad(path, ids[0], "is not a security group ID: use sg- followed by 8 or 17 hex digits, e.g. sg-0a1b2c3d4e5f67890", "")
		}
		return
	}
	if len(ids) < 2 {
		d.fail(path, "lists %d subnet(s); at least two are required, in different Availability Zones", len(ids))
	}
	seen := map[string]bool{}
	for i, id := range ids {
		p := index(path, i)
		switch {
		case !subnetIDRE.MatchString(id):
			d.bad(p, id, "is not a subnet ID: use subnet- followed by 8 or 17 hex digits, e.g. subnet-0a1b2c3d4e5f67890", "")
		case seen[id]:
			d.bad(p, id, "is listed twice; list each subnet once", "")
		}
		seen[id] = true
	}
}

func (d *decoder) checkRoleArn(path, arn string) {
	if d.has(path) && !roleArnRE.MatchString(arn) {
		d.bad(path, arn, "is not an IAM role ARN: use arn:aws:iam::<12-digit account>:role/<name>", "")
	}
}

// checkWebACL checks a WAFv2 web ACL ARN and its scope: CloudFront takes only
// CLOUDFRONT-scope ACLs (ARN "global/", always us-east-1), an ALB only REGIONAL ones.
func (d *decoder) checkWebACL(path, arn, scope string) {
	if !d.has(path) {
		return
	}
	const global = "arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>"
	const regional = "arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>"
	m := webACLRE.FindStringSubmatch(arn)
	switch {
	case m == nil && scope == "global":
		d.bad(path, arn, "is not a WAFv2 web ACL ARN: use a CLOUDFRONT-scope web ACL, "+global, "")
	case m == nil:
		d.bad(path, arn, "is not a WAFv2 web ACL ARN: use a REGIONAL web ACL, "+regional, "")
	case scope == "global" && m[3] == "regional":
		d.bad(path, arn, "is a REGIONAL web ACL; CloudFront needs a CLOUDFRONT-scope web ACL, created in us-east-1: "+global+" (a regional ACL belongs in deployment.awsAlb.wafAclArn)", "")
	case scope == "global" && m[2] != "us-east-1":
		d.bad(path, arn, "names region "+m[2]+"; CLOUDFRONT-scope web ACLs always live in us-east-1: "+global, "")
	case scope == "regional" && m[3] == "global":
		d.bad(path, arn, "is a CLOUDFRONT-scope (global) web ACL; an ALB needs a REGIONAL web ACL in its own region: "+regional+" (to protect every route, put this ACL in deployment.awsCloudFront.wafAclArn)", "")
	}
}

func (d *decoder) checkContainer(c *Config, ct *Container) {
	p := join("containers", ct.Name)
	if problem := ContainerNameProblem(ct.Name); problem != "" {
		d.errorAt(p, d.keys[p], "container name %q %s", clip(ct.Name), problem)
	}
	if n := d.nodes[p]; present(n) && n.Kind != yaml.MappingNode {
		return // not a mapping: already reported
	}
	if !d.has(p+".src") && !d.has(p+".image") {
		d.errorAt(p, d.keys[p], "container %q needs image (berth: a prebuilt image URI) or src (SCF: the source directory)", clip(ct.Name))
	}
	if d.has(p + ".image") {
		if problem := imageProblem(ct.Image); problem != "" {
			d.bad(p+".image", ct.Image, "is not an image URI: "+problem+"; write <registry>/<repository>[:tag][@sha256:<digest>], e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2", "")
		}
	}
	d.inRange(p+".port", ct.Port, 1, 65535, "the port")
	d.checkEnvironment(p+".environment", ct)
	d.checkRouting(p+".routing", ct.Routing)
	d.checkCompute(c, p+".compute", &ct.Compute)
	d.checkIntegrations(p+".integrations", ct)
}

func imageProblem(s string) string {
	ref, digest, hasDigest := strings.Cut(s, "@")
	if hasDigest && !digestRE.MatchString(digest) {
		return "the digest must be sha256: and 64 lowercase hex digits"
	}
	registry, rest, ok := strings.Cut(ref, "/")
	if !ok || !registryRE.MatchString(registry) {
		return "it must start with the registry host (e.g. public.ecr.aws/ or docker.io/library/ for Docker Hub)"
	}
	repo, tag, hasTag := strings.Cut(rest, ":")
	if !repoRE.MatchString(repo) {
		return "the repository must be lowercase letters, digits and separators (. _ -), in /-separated parts"
	}
	if hasTag && !tagRE.MatchString(tag) {
		return "the tag must be up to 128 letters, digits, _ . and -, not starting with . or -"
	}
	return ""
}

func (d *decoder) checkEnvironment(path string, ct *Container) {
	lambda := ct.Compute.Type == ComputeLambda
	size, known := 0, true
	for _, ev := range ct.Environment {
		p := join(path, ev.Name)
		switch {
		case !envNameRE.MatchString(ev.Name):
			d.errorAt(p, d.keys[p], "%q is not a valid environment variable name: use letters, digits and underscores, not starting with a digit", clip(ev.Name))
		case lambda && contains(lambdaReservedEnv, ev.Name):
			d.errorAt(p, d.keys[p], "%s is reserved by AWS Lambda, which sets it itself and refuses it in a function's environment; rename it, or run the container on awsFargateEcs", ev.Name)
		}
		size += len(ev.Name) + len(ev.Value)
		known = known && !ev.Unresolved
	}
	if lambda && known && size > 4096 {
		d.fail(path, "the variables take %d bytes, more than the 4 KB AWS Lambda allows in a function's environment; keep large values in SSM Parameter Store and read them at startup, or run on awsFargateEcs", size)
	}
}

func (d *decoder) checkRouting(path string, r Routing) {
	if p := path + ".pathPattern"; d.has(p) {
		if problem, hint := pathPatternProblem(r.PathPattern); problem != "" {
			d.bad(p, r.PathPattern, problem, hint)
		} else if key := edge.RouteKey(r.Domain, r.PathPattern); d.known(path+".domain") && len(key) > edge.MaxKeyBytes {
			d.fail(p, "with routing.domain the route key (domain + pathPattern) is %d bytes; a CloudFront KeyValueStore key is at most %d, so shorten the pattern or the domain", len(key), edge.MaxKeyBytes)
		}
	}
	if p := path + ".pathHealthCheck"; d.has(p) {
		if problem, hint := healthCheckProblem(r.PathHealthCheck); problem != "" {
			d.bad(p, r.PathHealthCheck, problem, hint)
		}
	}
	if p := path + ".domain"; d.has(p) {
		if problem, hint := domainProblem(r.Domain); problem != "" {
			d.bad(p, r.Domain, problem, hint)
		}
	}
}

// pathPatternProblem: berth's edge router matches an exact path or a prefix ending in
// "/*", so ALB-style wildcards ("?", "*" in the middle) cannot be honoured.
func pathPatternProblem(s string) (problem, hint string) {
	switch {
	case s == "":
		return "is empty: give the path this container serves, e.g. /* or /api/*", ""
	case !strings.HasPrefix(s, "/"):
		return `must start with "/", e.g. /* or /api/*`, fmt.Sprintf("did you mean %q?", "/"+s)
	case len(s) > 500:
		return "is longer than 500 bytes, the limit for a path pattern", ""
	case strings.ContainsAny(s, " #") || hasControl(s):
		return `must not contain spaces, control characters or "#": use an exact path (/about) or a prefix ending in /* (/api/*)`, ""
	}
	wild := strings.IndexAny(s, "*?")
	if wild < 0 || (wild == len(s)-1 && strings.HasSuffix(s, "/*")) {
		if problem := edge.PatternProblem(s); problem != "" {
			return "cannot be routed: " + problem, ""
		}
		return "", ""
	}
	return `uses a wildcard berth cannot route: berth matches an exact path (/images/logo.png) or a prefix ending in /* (/api/*); "?" and "*" anywhere else are not supported`,
		fmt.Sprintf("use %q to send everything under that prefix to this container", prefixForm(s, wild))
}

func prefixForm(s string, wild int) string {
	if wild == len(s)-1 && s[wild] == '*' { // "/api*" → "/api/*"
		return strings.TrimSuffix(s[:wild], "/") + "/*"
	}
	return s[:strings.LastIndexByte(s[:wild], '/')+1] + "*"
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

func healthCheckProblem(s string) (problem, hint string) {
	switch {
	case !strings.HasPrefix(s, "/"):
		return `must start with "/", e.g. /health`, fmt.Sprintf("did you mean %q?", "/"+s)
	case len(s) > 1024:
		return "is longer than 1024 bytes, the limit for a health check path", ""
	case strings.ContainsAny(s, "* #") || hasControl(s):
		return `must be one concrete path that answers 200, e.g. /health (no "*", spaces or "#")`, ""
	}
	return "", ""
}

// domainProblem checks a routing domain: a bare host name, as CloudFront aliases and ACM
// certificates need it.
func domainProblem(s string) (problem, hint string) {
	const rule = "is not a host name: write a bare, lowercase host name such as api.example.com (no scheme, path, port or trailing dot)"
	if strings.HasPrefix(s, "*.") {
		return "is a wildcard; berth needs each host name spelled out, e.g. api.example.com", ""
	}
	if validHostname(s) {
		return "", ""
	}
	if clean := cleanHost(s); clean != s && validHostname(clean) {
		return rule, fmt.Sprintf("did you mean %q?", clean)
	}
	return rule, ""
}

func validHostname(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

func cleanHost(s string) string {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	s, _, _ = strings.Cut(s, "/")
	s, _, _ = strings.Cut(s, ":")
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

func (d *decoder) checkCompute(c *Config, path string, cp *Compute) {
	d.oneOfStr(path+".type", cp.Type, computeTypes, "compute type")
	lp := path + ".awsLambda"
	d.inRange(lp+".memory", cp.Lambda.Memory, 128, 10240, "Lambda memory (MB)")
	d.inRange(lp+".timeout", cp.Lambda.Timeout, 1, 900, "the Lambda timeout (seconds)")
	d.oneOfStr(lp+".invokeMode", cp.Lambda.InvokeMode, invokeModes, "invoke mode")
	d.oneOfStr(lp+".architecture", cp.Lambda.Architecture, architectures, "architecture")
	if cp.Lambda.VPC && c.Deployment.VPC == nil && d.known("deployment.awsVpc") {
		d.fail(lp+".vpc", "vpc: true needs deployment.awsVpc (id, subnets and security groups): berth creates no VPC resources for Lambda, so bring your VPC there or remove vpc: true")
	}
	d.checkFargateSize(path+".awsFargateEcs", cp.Fargate)
	d.checkScale(path+".awsFargateEcs.scale", cp.Fargate.Scale)
	ip := path + ".awsIam"
	if d.has(ip+".customPolicy") && d.has(ip+".roleArn") {
		d.fail(ip+".roleArn", "roleArn and customPolicy cannot both be set: use roleArn to bring your own role, or customPolicy to have berth create one")
	}
	d.checkRoleArn(ip+".roleArn", cp.RoleArn)
	if _, ok := cp.CustomPolicy["Statement"]; cp.CustomPolicy != nil && !ok {
		d.fail(ip+".customPolicy", "the policy has no Statement: write Version: '2012-10-17' and a Statement list of { Effect, Action, Resource }")
	}
}

func (d *decoder) checkFargateSize(path string, f FargateCompute) {
	cpuPath, memPath := path+".cpu", path+".memory"
	if !d.known(cpuPath) || !d.known(memPath) {
		return
	}
	valid, ok := fargateMemory[f.CPU]
	if !ok {
		d.fail(cpuPath, "%d is not a Fargate CPU size: use one of %s (CPU units)", f.CPU, oneOf(fargateCPUs))
		return
	}
	if contains(valid, f.Memory) {
		return
	}
	cpu := fmt.Sprintf("%d CPU units", f.CPU)
	if !d.has(cpuPath) {
		cpu += " (the default cpu)"
	}
	d.fail(memPath, "%d MiB is not valid with %s: Fargate allows %s MiB with %d CPU units", f.Memory, cpu, oneOf(valid), f.CPU)
}

// checkRoutes: one (domain, pathPattern) pair routes to one container; the later one in
// the file gets the error, naming the earlier.
func (d *decoder) checkRoutes(cs []Container) {
	order := make([]*Container, len(cs))
	for i := range cs {
		order[i] = &cs[i]
	}
	line := func(c *Container) int { return d.at(join("containers", c.Name)).Line }
	sort.SliceStable(order, func(i, j int) bool { return line(order[i]) < line(order[j]) })
	type route struct{ domain, pattern string }
	seen := map[route]string{}
	for _, c := range order {
		p := join("containers", c.Name, "routing")
		if !d.known(p+".pathPattern") || !d.known(p+".domain") {
			continue
		}
		if problem, _ := pathPatternProblem(c.Routing.PathPattern); problem != "" {
			continue // already reported; a duplicate of a bad pattern adds nothing
		}
		r := route{c.Routing.Domain, c.Routing.PathPattern}
		if first, dup := seen[r]; dup {
			where := "the default domain"
			if r.domain != "" {
				where = "domain " + d.quote(p+".domain", r.domain)
			}
			d.fail(p+".pathPattern", "%s on %s is already routed to container %q; each domain and path pattern pair can go to one container only, so change the pattern or the domain", d.quote(p+".pathPattern", r.pattern), where, first)
			continue
		}
		seen[r] = c.Name
	}
}

// checkWebhookRoutes: on Fargate each webhookPath becomes a route of its own (to the
// container's webhook listener rule), so it must not be a route of the app or another
// container's webhookPath.
func (d *decoder) checkWebhookRoutes(cs []Container) {
	routes := map[string]string{}
	for _, c := range cs {
		if c.Routing.Domain == "" {
			routes[c.Routing.PathPattern] = "container " + strconv.Quote(c.Name) + "'s pathPattern"
		}
	}
	for _, c := range cs {
		if c.Compute.Type != ComputeFargate {
			continue
		}
		mine := map[string]bool{}
		for _, in := range c.Integrations {
			p := join("containers", c.Name, "integrations", in.Name, "webhookPath")
			if in.WebhookPath == "" || mine[in.WebhookPath] || !d.known(p) {
				continue
			}
			if other, dup := routes[in.WebhookPath]; dup {
				d.fail(p, "%s is already %s; on awsFargateEcs berth routes each webhookPath to the container's deliveries only, so give the integration a path no route or other container's webhookPath uses, e.g. /hooks/%s", d.quote(p, in.WebhookPath), other, in.Name)
				continue
			}
			mine[in.WebhookPath] = true
			routes[in.WebhookPath] = "container " + strconv.Quote(c.Name) + "'s webhookPath"
		}
	}
}

// checkAlbUse warns about ALB settings that do nothing: berth creates an ALB only when a
// container runs on Fargate.
func (d *decoder) checkAlbUse(c *Config) {
	if c.Deployment.Private {
		return // a private app always has its ALB
	}
	for _, ct := range c.Containers {
		if ct.Compute.Type == ComputeFargate {
			return
		}
	}
	for _, p := range []string{"deployment.awsAlb.wafAclArn"} {
		if d.has(p) {
			d.warn(p, "has no effect: no container runs on awsFargateEcs, so berth creates no ALB (use deployment.awsCloudFront.wafAclArn to protect Lambda routes)")
		}
	}
}
