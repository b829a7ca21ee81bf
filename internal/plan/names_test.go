package plan

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// AWS charset rules per kind of name.
var (
	reLambda   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	reRole     = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	reELB      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`) // ALB and target group
	reECS      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	reSG       = regexp.MustCompile(`^[A-Za-z0-9 ._:/()#,@\[\]+=&;{}!$*-]{1,255}$`)
	reCFName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) // function, KVS, OAC
	reLogGroup = regexp.MustCompile(`^[A-Za-z0-9._/#-]{1,512}$`)
)

// allNames returns every physical name of one (app, stage, container) with its rule.
func allNames(app, stage, container string) map[string]struct {
	name string
	re   *regexp.Regexp
} {
	n := namer{app: app, stage: stage}
	type nr = struct {
		name string
		re   *regexp.Regexp
	}
	return map[string]nr{
		"kvs":        {n.keyValueStore(), reCFName},
		"router":     {n.routerFunction(), reCFName},
		"cluster":    {n.cluster(), reECS},
		"albSG":      {n.albSecurityGroup(), reSG},
		"taskSG":     {n.taskSecurityGroup(), reSG},
		"alb":        {n.loadBalancer(), reELB},
		"execRole":   {n.executionRole(), reRole},
		"fn":         {n.function(container), reLambda},
		"role":       {n.role(container), reRole},
		"taskRole":   {n.taskRole(container), reRole},
		"family":     {n.taskFamily(container), reECS},
		"tg":         {n.targetGroup(container), reELB},
		"service":    {n.service(container), reECS},
		"lambdaLogs": {lambdaLogGroupName(n.function(container)), reLogGroup},
		"ecsLogs":    {ecsLogGroupName(app, stage, container), reLogGroup},
		"statement":  {n.permission(container), regexp.MustCompile(`^[A-Za-z0-9_-]{1,90}$`)},
	}
}

func TestNamesFollowTheRule(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"an app-level name is berth-app-stage-suffix-hash", namer{"shop", "prod"}.keyValueStore(),
			"berth-shop-prod-kvs-" + tupleHash("shop", "prod", "", "kvs")},
		{"a container name is berth-app-stage-container-suffix-hash", namer{"shop", "prod"}.function("api"),
			"berth-shop-prod-api-fn-" + tupleHash("shop", "prod", "api", "fn")},
		{"a long ALB name keeps its hash and stays within 32", namer{"my-long-app-name", "production"}.loadBalancer(),
			"berth-my-long-app-name-pr-" + tupleHash("my-long-app-name", "production", "", "ialb")},
		{"a cut that ends on a hyphen drops the hyphen", namer{"abcdefghijklmnop", "q"}.targetGroup("x"),
			"berth-abcdefghijklmnop-q-" + tupleHash("abcdefghijklmnop", "q", "x", "tg")},
		{"a Lambda log group is /aws/lambda/<function>", lambdaLogGroupName("berth-a-b-c-fn-123456"), "/aws/lambda/berth-a-b-c-fn-123456"},
		{"an ECS log group is /berth/<app>/<stage>/<container>", ecsLogGroupName("shop", "prod", "api"), "/berth/shop/prod/api"},
		{"characters a name may not hold become hyphens, the hash tells them apart", namer{"shop", "prod"}.function("api_v2"),
			"berth-shop-prod-api-v2-fn-" + tupleHash("shop", "prod", "api_v2", "fn")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestAmbiguousTuplesGetDifferentNames(t *testing.T) {
	a := namer{"a-b", "c"}.function("x")
	b := namer{"a", "b-c"}.function("x")
	if a == b {
		t.Fatalf("a-b/c and a/b-c share %q", a)
	}
	if (namer{"a", "b"}).function("c-fn") == (namer{"a", "b-c"}).function("fn") {
		t.Fatal("container and stage boundaries collide")
	}
}

// Property: random (app, stage, container) triples never share a name across different
// tuples, every name is within its AWS limit and charset, and role names start berth-.
func TestRandomTuplesNeverCollideAndAlwaysFitAWSRules(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := "abcdefghijklmnopqrstuvwxyz0123456789-"
	word := func(min, max int) string {
		n := min + rng.Intn(max-min+1)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	// owner: namespace+name -> identity of what it names. App-level resources are one per
	// app/stage, so their identity leaves the container out.
	owner := map[string]string{}
	for i := 0; i < 3000; i++ {
		app, stage, container := word(3, 16), word(1, 20), word(1, 60)
		if i%10 == 0 { // adversarial: shift a hyphen-joined part across the boundary
			app, stage = "ab-"+stage, app
		}
		for kind, n := range allNames(app, stage, container) {
			identity := fmt.Sprintf("%s %q/%q/%q", kind, app, stage, container)
			if appLevel(kind) {
				identity = fmt.Sprintf("%s %q/%q", kind, app, stage)
			}
			if !n.re.MatchString(n.name) {
				t.Fatalf("%s: name %q breaks AWS rules", identity, n.name)
			}
			if namespace(kind) == "iam" && !strings.HasPrefix(n.name, "berth-") {
				t.Fatalf("%s: role %q does not start with berth-", identity, n.name)
			}
			key := namespace(kind) + " " + n.name
			if prev, ok := owner[key]; ok && prev != identity {
				t.Fatalf("name %q produced by %s and %s", n.name, prev, identity)
			}
			owner[key] = identity
		}
	}
}

// namespace is the AWS namespace a kind's names share: IAM roles, Lambda functions and
// log groups must be unique across kinds too.
func namespace(kind string) string {
	switch kind {
	case "execRole", "role", "taskRole":
		return "iam"
	case "fn":
		return "lambda"
	case "lambdaLogs", "ecsLogs":
		return "logs"
	case "albSG", "taskSG":
		return "sg"
	}
	return kind
}

func appLevel(kind string) bool {
	switch kind {
	case "kvs", "router", "cluster", "albSG", "taskSG", "alb", "execRole":
		return true
	}
	return false
}

// The shared names are valid for their kinds, start with berth- (berth's IAM scope), and
// can never be produced by the naming rule, which always ends in -<6 hex digits>.
func TestSharedNamesAreValidAndNoAppNameCanTakeThem(t *testing.T) {
	hashed := regexp.MustCompile(`-[0-9a-f]{6}$`)
	for _, c := range []struct {
		name string
		re   *regexp.Regexp
	}{{SharedBodySignerName, reLambda}, {SharedBodySignerRoleName, reRole}} {
		if !c.re.MatchString(c.name) || !strings.HasPrefix(c.name, "berth-") || hashed.MatchString(c.name) {
			t.Errorf("shared name %q: want a valid berth- name without the rule's hash suffix", c.name)
		}
	}
}

func TestSCFAppNamesMapToLowercaseAWSNamesThatStayDistinct(t *testing.T) {
	if got := AppNamePart("My_App"); got != "my-app" {
		t.Errorf("AppNamePart(My_App) = %q, want my-app", got)
	}
	seen := map[string]string{}
	for _, app := range []string{"My_App", "my-app", "MY-APP", "my_app"} {
		n := physicalName(app, "prod", "api", "fn", limitLambdaFunction)
		if !strings.HasPrefix(n, "berth-my-app-prod-api-fn-") {
			t.Errorf("%s: %q does not carry the lower-cased app", app, n)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("%s and %s share the name %q", app, other, n)
		}
		seen[n] = app
	}
}
