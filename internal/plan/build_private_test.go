package plan

import (
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func privateConfig(cs ...config.Container) *config.Config {
	cfg := appConfig(cs...)
	cfg.Deployment.Private = true
	return cfg
}

func lambdaContainerCfg(name, pattern string) config.Container {
	return config.Container{Name: name, Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + name + ":1",
		Routing: config.Routing{PathPattern: pattern}, Compute: config.Compute{Type: config.ComputeLambda}}
}

func TestAPrivateAppHasNoCloudFrontAndRoutesOnItsALB(t *testing.T) {
	d := mustBuild(t, privateConfig(lambdaContainerCfg("api", "/api/*"), fargateContainer("web", "/*")))
	for _, r := range d.Resources {
		switch r.Kind {
		case KindDistribution, KindCloudFrontFunction, KindKeyValueStore, KindRouteTable, KindOAC, KindVpcOrigin,
			KindFunctionURL, KindEdgeFunctionVersion, KindSecurityGroupIngress:
			t.Errorf("a private app has %s (%s)", r.ID, r.Kind)
		}
	}
	lb := props[LoadBalancerProps](t, mustFind(t, d, IDLoadBalancer))
	sg := props[SecurityGroupProps](t, mustFind(t, d, IDAlbSecurityGroup))
	tg := props[TargetGroupProps](t, mustFind(t, d, "api/TargetGroup"))
	perm := props[PermissionProps](t, mustFind(t, d, "api/Permission"))
	target := mustFind(t, d, "api/LambdaTarget")
	rule := props[ListenerRuleProps](t, mustFind(t, d, "api/ListenerRule"))
	webRule := props[ListenerRuleProps](t, mustFind(t, d, "web/ListenerRule"))
	env := props[FunctionProps](t, mustFind(t, d, "api/Function")).Environment
	tests := []struct {
		name string
		ok   bool
	}{
		{"the ALB is internal", lb.Scheme == "internal"},
		{"the ALB admits its VPC, on the listener port only", len(sg.Ingress) == 1 && sg.Ingress[0].FromVPC && sg.Ingress[0].FromPort == 80 && sg.Ingress[0].ToPort == 80 && !sg.SeparateIngress},
		{"the Lambda container has a lambda target group", tg.Lambda && mustFind(t, d, "api/TargetGroup").Name != mustFind(t, d, "web/TargetGroup").Name},
		{"ELB may invoke the function from that target group only", perm.TargetGroup != nil && perm.TargetGroup.ID == "api/TargetGroup" && perm.Distribution == nil},
		{"the function is registered after the permission", slices.Contains(target.DependsOn, "api/Permission")},
		{"the rule forwards after the function is registered", slices.Contains(mustFind(t, d, "api/ListenerRule").DependsOn, "api/LambdaTarget")},
		{"rules match paths, not the router's header", rule.PathPattern == "/api/*" && rule.HeaderName == "" && webRule.PathPattern == "/*"},
		{"the deeper prefix is tried first", rule.Priority < webRule.Priority},
		{"no OAC authorization header is moved on the private path", env["AWS_LWA_AUTHORIZATION_SOURCE"].Value == ""},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("%s: no", tt.name)
		}
	}
}

// albMatches is ALB's path-pattern match: case-sensitive, "*" any run of characters
// (including "/"), "?" one character, applied to the path only
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
// path.Match's "*" stops at "/", so the pattern's "*" is matched by hand.
func albMatches(pattern, p string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && !strings.ContainsAny(prefix, "*?") {
		return strings.HasPrefix(p, prefix)
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// The private app's ALB rules, evaluated as ALB does (lowest priority first, first match
// wins), pick the container the router picks for every row of the internal/edge README's
// match-order table, and more.
func TestPrivateRulesMatchTheRoutersOrder(t *testing.T) {
	routes := map[string]string{ // container → pattern
		"exact-abc": "/a/b/c", "ab": "/a/b/*", "a": "/a/*", "root": "/*", "exact-api": "/api",
		"slash": "/", "docs": "/docs/", "deep": "/a/b/c/d/*",
	}
	var cs []config.Container
	for name, pattern := range routes {
		cs = append(cs, lambdaContainerCfg(name, pattern))
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	d := mustBuild(t, privateConfig(cs...))
	type rule struct {
		pattern, container string
		priority           int
	}
	var rules []rule
	seen := map[int]bool{}
	for _, c := range cs {
		p := props[ListenerRuleProps](t, mustFind(t, d, ContainerID(c.Name, SuffixListenerRule)))
		if seen[p.Priority] || p.Priority < 1 || p.Priority > maxRulePriority {
			t.Fatalf("priority %d of %s is taken or out of ELB's range", p.Priority, c.Name)
		}
		seen[p.Priority] = true
		rules = append(rules, rule{p.PathPattern, c.Name, p.Priority})
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].priority < rules[j].priority })
	cases := map[string]string{ // path → container the router picks
		"/a/b/c": "exact-abc", "/a/b/c/": "ab", "/a/b/": "ab", "/a/b/x": "ab", "/a/b": "a",
		"/a/": "a", "/a": "root", "/ab": "root", "/api": "exact-api", "/api/": "root",
		"/": "slash", "/docs/": "docs", "/docs/x": "root", "/a/b/c/d/e": "deep", "/a/b/c/d/": "deep", "/A/b/c": "root",
	}
	for p, want := range cases {
		got := ""
		for _, r := range rules {
			if albMatches(r.pattern, p) {
				got = r.container
				break
			}
		}
		if got != want {
			t.Errorf("%s: the ALB picks %q, the router %q", p, got, want)
		}
	}
}

func TestAHostRouteGoesBeforeTheSameDepthWithoutAHost(t *testing.T) {
	host := lambdaContainerCfg("host", "/api/*")
	host.Routing.Domain = "api.corp.internal"
	prio := pathPriorities([]config.Container{lambdaContainerCfg("plain", "/api/*"), host, lambdaContainerCfg("exact", "/api/users")})
	if !(prio["exact"] < prio["host"] && prio["host"] < prio["plain"]) {
		t.Fatalf("priorities %v: want exact path, then host prefix, then host-less prefix", prio)
	}
}
