package config

import (
	"fmt"
	"strings"
)

// maxContainers caps the containers of one app. Each container gets its own IAM role and
// each app/stage two more (the Fargate task execution role and the body signer's role);
// IAM allows 1,000 roles per account by default, shared by every app, stage and
// everything else in the account
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). 150 is the size
// berth's state machine is proven at (issue 14: the local-runtime benchmark deploys,
// updates, rolls back and removes a 150-container app).
const maxContainers = 150

// maxFargateContainers caps the Fargate containers of one app: each has a target group and
// a listener rule on the app's one ALB, which takes at most 100 target groups (not
// adjustable) and 100 rules besides the default
// (docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
const maxFargateContainers = 100

// checkLimits holds the rules that keep one file from asking for more than an account can
// hold or than a route can ever serve.
func (d *decoder) checkLimits(c *Config) {
	if n := len(c.Containers); n > maxContainers {
		d.errorAt("containers", d.at("containers"), "lists %d containers; berth deploys at most %d per app: each container has its own IAM role (plus 2 per app and stage), and IAM allows 1,000 roles per account by default, shared by every app and stage (%d containers × each stage you deploy, plus your other roles); split the app into several apps", n, maxContainers, n)
	} else if n := fargateCount(c); n > maxFargateContainers {
		d.errorAt("containers", d.at("containers"), "lists %d containers with compute.type %s; berth deploys at most %d per app: each has a target group and a listener rule on the app's one ALB, which takes at most 100 of each; move some to %s or split the app into several apps", n, ComputeFargate, maxFargateContainers, ComputeLambda)
	}
	for _, ct := range c.Containers {
		p := join("containers", ct.Name)
		d.checkDeadPattern(p+".routing.pathPattern", ct.Routing.PathPattern)
		d.checkRepositoryLength(p+".image", ct.Image)
		for _, ev := range ct.Environment {
			d.checkEnvControl(join(p, "environment", ev.Name), ev)
		}
	}
}

// checkDeadPattern refuses patterns no request can match: browsers and CloudFront resolve
// "." and ".." segments and the router matches the path byte for byte, so /a/../b, /./a,
// // and \ would only ever be dead routes.
func (d *decoder) checkDeadPattern(path, pattern string) {
	if !d.has(path) || !d.known(path) {
		return
	}
	if problem, _ := pathPatternProblem(pattern); problem != "" {
		return // reported by the route rules
	}
	clean := canonicalPath(pattern)
	if clean == pattern {
		return
	}
	d.bad(path, pattern, `is not a canonical path, so no request would ever match it: write it without "." and ".." segments, empty segments ("//") or "\"`, fmt.Sprintf("did you mean %q?", clean))
}

// canonicalPath resolves "." and ".." segments, collapses "//" and turns "\" into "/",
// keeping a trailing "/*" or "/".
func canonicalPath(p string) string {
	var out []string
	segs := strings.Split(strings.ReplaceAll(p, `\`, "/"), "/")
	for i, s := range segs {
		switch {
		case s == "" && i > 0 && i == len(segs)-1:
			out = append(out, "") // a trailing "/" is significant
		case s == "" || s == ".":
		case s == "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// checkEnvControl refuses control characters in a known, literal environment value: NUL
// cannot be passed to a process at all (environment strings are NUL-terminated) and
// escape sequences rewrite terminals that print logs. Tab, CR and LF stay allowed for
// multi-line values such as PEM keys.
func (d *decoder) checkEnvControl(path string, ev EnvVar) {
	if ev.Unresolved || !d.known(path) {
		return
	}
	i := strings.IndexFunc(ev.Value, func(r rune) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
	})
	if i < 0 {
		return
	}
	at := fmt.Sprintf("a control character (byte 0x%02x at offset %d)", ev.Value[i], i)
	if d.secret[path] {
		at = "a control character"
	}
	d.fail(path, "holds %s; environment values cannot carry NUL or terminal control codes: remove it (tab, CR and LF are allowed)", at)
}

// maxRepository is the longest repository name ECR (and Docker Hub) accept
// (docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html: 2-256).
const maxRepository = 256

// checkRepositoryLength refuses an image whose repository no registry could hold.
func (d *decoder) checkRepositoryLength(path, image string) {
	if !d.has(path) || !d.known(path) {
		return
	}
	ref, _, _ := strings.Cut(image, "@")
	_, rest, _ := strings.Cut(ref, "/")
	repo, _, _ := strings.Cut(rest, ":")
	if len(repo) > maxRepository {
		d.fail(path, "the repository name is %d characters; registries allow at most %d: shorten it", len(repo), maxRepository)
	}
}

func fargateCount(c *Config) int {
	n := 0
	for _, ct := range c.Containers {
		if ct.Compute.Type == ComputeFargate {
			n++
		}
	}
	return n
}
