package plan

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

var regions = []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-1", "us-west-2", "sa-east-1"}

// generatedConfigs returns n varied configs (fixed seed, so failures reproduce).
func generatedConfigs(n int) []*config.Config {
	rng := rand.New(rand.NewSource(42))
	out := make([]*config.Config, n)
	for i := range out {
		out[i] = generatedConfig(rng, 1+rng.Intn(8), false)
	}
	return out
}

func randomWord(rng *rand.Rand, min, max int) string {
	const first, rest = "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789-"
	n := min + rng.Intn(max-min+1)
	b := []byte{first[rng.Intn(len(first))]}
	for len(b) < n-1 {
		b = append(b, rest[rng.Intn(len(rest))])
	}
	if n > 1 {
		b = append(b, first[rng.Intn(len(first))])
	}
	return string(b)
}

func generatedConfig(rng *rand.Rand, containers int, lambdaOnly bool) *config.Config {
	cfg := appConfig()
	cfg.Name = randomWord(rng, 3, 16)
	cfg.Stage = randomWord(rng, 2, 12)
	if rng.Intn(4) == 0 {
		cfg.Deployment.RoleArn = "arn:aws:iam::123456789012:role/shared"
	}
	if rng.Intn(5) == 0 {
		cfg.Deployment.VPC = &config.VPC{ID: "vpc-1", PublicSubnets: []string{"subnet-a"}, PrivateSubnets: []string{"subnet-b"},
			S2SSecurityGroupID: "sg-s2s", LoadBalancerSecurityGroupID: "sg-lb"}
	}
	names := map[string]bool{}
	for i := 0; i < containers; i++ {
		name := randomWord(rng, 1, 40)
		if names[name] {
			continue
		}
		names[name] = true
		cfg.Containers = append(cfg.Containers, randomContainer(rng, name, fmt.Sprintf("/p%d/*", i), lambdaOnly))
	}
	slices.SortFunc(cfg.Containers, func(a, b config.Container) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return cfg
}

func randomContainer(rng *rand.Rand, name, path string, lambdaOnly bool) config.Container {
	c := lambdaContainer(name, path)
	if !lambdaOnly && rng.Intn(2) == 0 {
		c.Compute.Type = config.ComputeFargate
	}
	if rng.Intn(4) == 0 {
		c.Routing.Domain = []string{"example.com", "api.example.com", "shop.example.org"}[rng.Intn(3)]
	}
	if rng.Intn(3) == 0 {
		c.Port = 3000
	}
	if rng.Intn(3) == 0 {
		c.Image, c.Src = "", "./"+name
	}
	switch rng.Intn(4) {
	case 0:
		c.Compute.RoleArn = "arn:aws:iam::123456789012:role/own"
	case 1:
		c.Compute.CustomPolicy = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}}
	}
	c.Environment = []config.EnvVar{
		{Name: "A", Value: "1"},
		{Name: "S", Value: "secret-" + name, Ref: "ssm:/s", Secret: true},
		{Name: "U", Ref: "env:U", Secret: true, Unresolved: true},
	}
	switch rng.Intn(4) {
	case 0:
		c.Compute.Fargate.Scale = []config.ScalePolicy{{Type: "desired", Desired: 2}}
	case 1:
		c.Compute.Fargate.Scale = []config.ScalePolicy{{Type: "min", Min: 1}, {Type: "max", Max: 5},
			{Type: "target", Target: "cpu", Value: 60, ScaleIn: true}, {Type: "target", Target: "albRequestsPerTarget", Value: 500, ScaleIn: true}}
	}
	if rng.Intn(3) == 0 {
		c.Compute.Lambda.InvokeMode = "RESPONSE_STREAM"
	}
	return c
}

// roundTrip is what a deployer does with an applied document: store it as (indented)
// JSON and read it back.
func roundTrip(t testing.TB, d *Desired) *Desired {
	t.Helper()
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var out Desired
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestReplanningAnAppliedConfigIsAllNoop(t *testing.T) {
	for i, cfg := range generatedConfigs(300) {
		d := mustBuild(t, cfg)
		again := mustBuild(t, cfg)
		for _, applied := range []*Desired{d, roundTrip(t, d)} {
			if c := changed(mustDiff(t, again, applied)); len(c) != 0 {
				t.Fatalf("config %d: re-plan is not all noop: %v", i, c)
			}
		}
	}
}

func TestNoLambdaOnlyConfigHasELBECSEC2OrAutoscalingResources(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	forbidden := regexp.MustCompile(`^AWS::(ElasticLoadBalancingV2|ECS|EC2|ApplicationAutoScaling)::`)
	for i := 0; i < 500; i++ {
		cfg := generatedConfig(rng, 1+rng.Intn(10), true)
		d, err := Build(cfg, Target{Region: regions[rng.Intn(len(regions))]})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range d.Resources {
			if forbidden.MatchString(string(r.Kind)) || r.Kind == KindWebACLAssociation {
				t.Fatalf("Lambda-only config %d has %s (%s)", i, r.ID, r.Kind)
			}
		}
	}
}

// Resources every Fargate container shares: they appear with the first and go with the last.
var sharedFargate = []string{IDCluster, IDAlbSecurityGroup, IDAlbIngress, IDTaskSecurityGroup, IDLoadBalancer, IDListener, IDVpcOrigin, IDExecutionRole, IDAlbWebACLAssociation}

func TestSwitchingOneContainerChangesOnlyThatContainer(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for i, cfg := range generatedConfigs(300) {
		before := mustBuild(t, cfg)
		k := rng.Intn(len(cfg.Containers))
		next := *cfg
		next.Containers = slices.Clone(cfg.Containers)
		next.Containers[k] = switched(next.Containers[k])
		after := mustBuild(t, &next)
		name := next.Containers[k].Name

		fargateFlips := (find(before, IDCluster) == nil) != (find(after, IDCluster) == nil)
		lambdaFlips := (find(before, IDBodySigner) == nil) != (find(after, IDBodySigner) == nil)
		p := mustDiff(t, after, roundTrip(t, before))
		for _, s := range p.Steps {
			if s.Action == Noop || s.Container == name {
				continue
			}
			ok := false
			switch {
			case slices.Contains(sharedFargate, s.ID):
				ok = fargateFlips && s.Action != Update
			case s.ID == IDBodySigner || s.ID == IDBodySignerRole:
				ok = lambdaFlips && s.Action != Update
			case s.ID == IDDistribution:
				ok = s.Action == Update && (fargateFlips || lambdaFlips) && subset(s.Changes, "albOrigin", "vpcOrigin", "bodySigner")
			case s.ID == IDRouterFunction:
				ok = s.Action == Update && fargateFlips && slices.Equal(s.Changes, []string{"albOriginId"})
			case s.ID == IDRouteTable: // the container's route moves to its new origin
				ok = s.Action == Update && slices.Equal(s.Changes, []string{"routes"})
			}
			if !ok {
				t.Errorf("config %d: switching %s also planned %s %s (changes %v)", i, name, s.Action, s.ID, s.Changes)
			}
		}
		if t.Failed() {
			return
		}
	}
}

func subset(got []string, allowed ...string) bool {
	for _, g := range got {
		if !slices.Contains(allowed, g) {
			return false
		}
	}
	return len(got) > 0
}

func TestAddingALambdaContainerToALambdaAppTouchesOnlyThatContainer(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for i := 0; i < 200; i++ {
		cfg := generatedConfig(rng, 1+rng.Intn(6), rng.Intn(2) == 0)
		if !slices.ContainsFunc(cfg.Containers, func(c config.Container) bool { return c.Compute.Type == config.ComputeLambda }) {
			continue
		}
		before := mustBuild(t, cfg)
		next := *cfg
		added := lambdaContainer("zz-added", "/added/*")
		next.Containers = append(slices.Clone(cfg.Containers), added)
		p := mustDiff(t, mustBuild(t, &next), before)
		for _, s := range p.Steps {
			if s.ID == IDDistribution && s.Action != Noop {
				t.Fatalf("config %d: adding a Lambda container planned %s of the distribution (%v)", i, s.Action, s.Changes)
			}
			if s.ID == IDRouteTable {
				if s.Action != Update || !slices.Equal(s.Changes, []string{"routes"}) {
					t.Fatalf("config %d: adding a Lambda container planned %s of the route table (%v), want an update of its routes", i, s.Action, s.Changes)
				}
				continue
			}
			if s.Action != Noop && s.Container != added.Name {
				t.Fatalf("config %d: adding a Lambda container planned %s %s", i, s.Action, s.ID)
			}
			if s.Action != Noop && s.Action != Create {
				t.Fatalf("config %d: adding a container planned %s %s", i, s.Action, s.ID)
			}
		}
		// Removing it again is the mirror image: only its deletes.
		for _, s := range mustDiff(t, before, mustBuild(t, &next)).Steps {
			if s.ID == IDRouteTable {
				continue // its update is checked above
			}
			if s.Action != Noop && (s.Container != added.Name || s.Action != Delete) {
				t.Fatalf("config %d: removing a Lambda container planned %s %s", i, s.Action, s.ID)
			}
		}
	}
}

// nameLimits is each kind's AWS limit on Resource.Name.
var nameLimits = map[Kind]int{
	KindFunction: 64, KindRole: 64, KindLoadBalancer: 32, KindTargetGroup: 32, KindCluster: 255, KindService: 255,
	KindTaskDefinition: 255, KindSecurityGroup: 255, KindCloudFrontFunction: 64, KindKeyValueStore: 64, KindOAC: 64,
	KindLogGroup: 512, KindEdgeFunctionVersion: 64,
}

func TestEveryGeneratedNameIsWithinItsLimitAndUniquePerKind(t *testing.T) {
	for i, cfg := range generatedConfigs(300) {
		d := mustBuild(t, cfg)
		seen := map[string]string{}
		for _, r := range d.Resources {
			if limit, ok := nameLimits[r.Kind]; ok && len(r.Name) > limit {
				t.Fatalf("config %d: %s name %q is %d long, limit %d", i, r.ID, r.Name, len(r.Name), limit)
			}
			if r.Name == "" || len(r.Name) > 1600 {
				t.Fatalf("config %d: %s name %q", i, r.ID, r.Name)
			}
			key := string(r.Kind) + " " + r.Name
			if r.Kind == KindFunction || r.Kind == KindEdgeFunctionVersion {
				key = "lambda " + r.Name
			}
			if o, dup := seen[key]; dup {
				t.Fatalf("config %d: %s and %s are both %s", i, o, r.ID, key)
			}
			seen[key] = r.ID
		}
	}
}

func TestCertificatesAreInUSEast1AndFunctionURLsAreAWSIAM(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for i, cfg := range generatedConfigs(300) {
		d, err := Build(cfg, Target{Region: regions[rng.Intn(len(regions))]})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range d.Resources {
			switch r.Kind {
			case KindCertificate, KindDistribution, KindCloudFrontFunction, KindKeyValueStore, KindOAC, KindEdgeFunctionVersion:
				if r.Region != "us-east-1" {
					t.Fatalf("config %d: %s in %s", i, r.ID, r.Region)
				}
			case KindFunctionURL:
				if a := props[FunctionURLProps](t, &r).AuthType; a != "AWS_IAM" {
					t.Fatalf("config %d: %s auth %s", i, r.ID, a)
				}
			}
		}
	}
}
