package iamcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/berth-dev/berth"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/acm"
	"github.com/berth-dev/berth/internal/provision/autoscaling"
	"github.com/berth-dev/berth/internal/provision/cloudfront"
	"github.com/berth-dev/berth/internal/provision/ec2"
	"github.com/berth-dev/berth/internal/provision/ecs"
	"github.com/berth-dev/berth/internal/provision/elbv2"
	"github.com/berth-dev/berth/internal/provision/iam"
	"github.com/berth-dev/berth/internal/provision/lambda"
	"github.com/berth-dev/berth/internal/provision/logs"
	"github.com/berth-dev/berth/internal/provision/route53"
	"github.com/berth-dev/berth/internal/provision/scheduler"
	"github.com/berth-dev/berth/internal/provision/wafv2"
	"github.com/berth-dev/berth/internal/workflow"
)

// declarations are every kind's declared permissions.
func declarations() []provision.Permissions {
	var out []provision.Permissions
	for _, l := range [][]provision.Permissions{lambda.Permissions, logs.Permissions, iam.Permissions, ecs.Permissions,
		autoscaling.Permissions, ec2.Permissions, elbv2.Permissions, wafv2.Permissions, cloudfront.Permissions,
		acm.Permissions, route53.Permissions, scheduler.Permissions} {
		out = append(out, l...)
	}
	return out
}

// allKinds are the kinds plan emits (internal/plan/model.go).
var allKinds = []plan.Kind{plan.KindLogGroup, plan.KindRole, plan.KindFunction, plan.KindFunctionURL, plan.KindPermission,
	plan.KindCluster, plan.KindTaskDefinition, plan.KindService, plan.KindScalableTarget, plan.KindScalingPolicy,
	plan.KindSecurityGroup, plan.KindLoadBalancer, plan.KindTargetGroup, plan.KindListener, plan.KindListenerRule,
	plan.KindWebACLAssociation, plan.KindDistribution, plan.KindOAC, plan.KindCloudFrontFunction, plan.KindKeyValueStore,
	plan.KindCertificate, plan.KindRecordSet, plan.KindRoute, plan.KindEdgeFunctionVersion,
	plan.KindScheduleGroup, plan.KindSchedule, plan.KindVpcOrigin, plan.KindSecurityGroupIngress}

// stateMachineRuns is which verbs of which kinds each function runs:
//   - plan steps go to workflow.FunctionFor(kind), which runs every verb — except Route
//     steps, which the wave skips (planstep.go) and the routing step writes in one sync;
//   - verify observes every desired resource but routes (verify.go);
//   - drift observes every resource but routes, which it reads itself (drift.go);
//   - compensate undoes any step: Delete what was created, Observe then Update or
//     Create what was changed, and restores routes (compensate.go).
func stateMachineRuns() map[string]Runs {
	runs := map[string]Runs{}
	add := func(fn string, k plan.Kind, verbs ...Verb) {
		fn = "berth-" + fn
		if runs[fn] == nil {
			runs[fn] = Runs{}
		}
		runs[fn][k] = verbs
	}
	for _, k := range allKinds {
		add("compensate", k, AllVerbs...)
		if k == plan.KindRoute {
			add("routing", k, AllVerbs...)
			continue
		}
		add(workflow.FunctionFor(k), k, AllVerbs...)
		add("verify", k, Observe)
		add("drift", k, Observe)
	}
	return runs
}

// nonProvisionerNeeds are the grants no resource kind explains, each with its reason.
var nonProvisionerNeeds = []Extra{
	{"", "logs:CreateLogStream", "the function's own logs"},
	{"", "logs:PutLogEvents", "the function's own logs"},
	{"", "dynamodb:GetItem", "state store (internal/state)"},
	{"", "dynamodb:Query", "state store: deployments, journal"},
	{"", "dynamodb:BatchGetItem", "state store"},
	{"", "dynamodb:PutItem", "state store"},
	{"", "dynamodb:UpdateItem", "state store: lock, records"},
	{"", "dynamodb:DeleteItem", "state store: lock release"},
	{"", "s3:GetObject", "plan and journal artifacts (ArtifactsBucket), configs (drift)"},
	{"", "s3:GetObjectVersion", "the config version a deployment was started for"},
	{"", "s3:ListBucket", "artifacts: a missing object reads as NoSuchKey, not AccessDenied"},
	{"", "s3:PutObject", "plan/journal artifacts; drift reports"},
	{"berth-drift", "s3:DeleteObject", "drift reports are replaced"},
	{"berth-drift", "states:StartExecution", "drift repair starts a deploy execution"},
	{"berth-drift", "events:PutEvents", "drift findings are published to EventBridge"},
	{"berth-drift", "cloudfront-keyvaluestore:DescribeKeyValueStore", "drift reads all routes in one listing (kvs reader)"},
	{"berth-drift", "cloudfront-keyvaluestore:ListKeys", "drift reads all routes in one listing (kvs reader)"},
	{"berth-drift", "cloudfront-keyvaluestore:GetKey", "drift reads all routes (kvs reader)"},
	{"", "secretsmanager:GetSecretValue", "the installation's fingerprint key (FingerprintKey): secrets are fingerprinted, never stored"},
	{"berth-verify", "tag:GetResources", "removal verifies nothing tagged for the app is left (internal/inventory)"},
	{"berth-verify", "iam:ListRoles", "inventory: roles are not in the tagging API"},
	{"berth-verify", "iam:ListRoleTags", "inventory: a listed role's ownership tags"},
	{"berth-verify", "cloudfront:ListFunctions", "inventory: CloudFront Functions are not in the tagging API"},
	{"berth-verify", "cloudfront:ListKeyValueStores", "inventory: KeyValueStores are not in the tagging API"},
}

// kindInstall renders the optional statements a kind may need too: ImageRepositoryArns
// lets berth extend the policy of the listed ECR repositories (Lambda image pulls).
func kindInstall() Install {
	in := install
	in.Params = map[string]string{"ImageRepositoryArns": "arn:aws:ecr:eu-west-1:123456789012:repository/*"}
	return in
}

func kindPolicies(t *testing.T) map[string]*Policies {
	t.Helper()
	tpl, err := Parse(berth.Template, kindInstall())
	if err != nil {
		t.Fatal(err)
	}
	pols, err := tpl.FunctionPolicies()
	if err != nil {
		t.Fatal(err)
	}
	return pols
}

func TestEveryFunctionIsGrantedExactlyWhatItsKindsDeclare(t *testing.T) {
	for _, p := range KindCoverage(kindPolicies(t), kindInstall(), declarations(), stateMachineRuns(), nonProvisionerNeeds) {
		t.Error(p)
	}
}

func TestEveryKindDeclaresItsPermissions(t *testing.T) {
	got := map[plan.Kind]int{}
	for _, p := range declarations() {
		got[p.Kind]++
		if len(p.Observe) == 0 {
			t.Errorf("%s declares no Observe actions", p.Kind)
		}
	}
	for _, k := range allKinds {
		if got[k] != 1 {
			t.Errorf("%s is declared %d times, want once", k, got[k])
		}
	}
}

// A statement a kind needs removed from template.yaml, a granted action no longer
// declared, a declared resource the template does not cover, or a kind with no
// declaration each fail the check, naming function, kind and action.
func TestKindCoverageNamesFunctionKindAndActionWhenEitherSideIsOff(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(pols map[string]*Policies, decl []provision.Permissions) []provision.Permissions
		want   string
	}{
		{"a statement the router function's tagging needs is removed from the template",
			func(pols map[string]*Policies, decl []provision.Permissions) []provision.Permissions {
				dropStatement(pols, "TagEdgeResourcesOnCreate")
				return decl
			},
			"berth-cdn: kind AWS::CloudFront::Function needs cloudfront:TagResource on arn:${Partition}:cloudfront::${Account}:function/berth-* (Create), which template.yaml does not grant"},
		{"the certificate kind no longer declares DeleteCertificate",
			func(_ map[string]*Policies, decl []provision.Permissions) []provision.Permissions {
				return mapKind(decl, plan.KindCertificate, func(p *provision.Permissions) { p.Delete = nil })
			},
			"berth-cdn: template.yaml grants acm:DeleteCertificate (CdnApplyPolicy DeleteOwnedCertificates), which no kind the function runs declares"},
		{"the function kind declares a resource the template does not cover",
			func(_ map[string]*Policies, decl []provision.Permissions) []provision.Permissions {
				return mapKind(decl, plan.KindFunction, func(p *provision.Permissions) {
					p.Resources = map[string]string{"lambda": "arn:${Partition}:lambda:${Region}:${Account}:function:other-*"}
				})
			},
			"berth-compute: kind AWS::Lambda::Function needs lambda:CreateFunction on arn:${Partition}:lambda:${Region}:${Account}:function:other-* (Create)"},
		{"a kind declares nothing",
			func(_ map[string]*Policies, decl []provision.Permissions) []provision.Permissions {
				var out []provision.Permissions
				for _, p := range decl {
					if p.Kind != plan.KindRecordSet {
						out = append(out, p)
					}
				}
				return out
			},
			"berth-cdn: runs kind AWS::Route53::RecordSet, which declares no IAM permissions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pols := kindPolicies(t)
			decl := tt.mutate(pols, declarations())
			problems := KindCoverage(pols, kindInstall(), decl, stateMachineRuns(), nonProvisionerNeeds)
			for _, p := range problems {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Errorf("no problem contains %q; got %q", tt.want, problems)
		})
	}
}

func dropStatement(pols map[string]*Policies, sid string) {
	for _, p := range pols {
		var keep []Statement
		for _, s := range p.Statements {
			if s.Sid != sid {
				keep = append(keep, s)
			}
		}
		p.Statements = keep
	}
}

func mapKind(decl []provision.Permissions, k plan.Kind, f func(*provision.Permissions)) []provision.Permissions {
	out := make([]provision.Permissions, len(decl))
	copy(out, decl)
	for i := range out {
		if out[i].Kind == k {
			f(&out[i])
		}
	}
	return out
}

// allKinds must follow internal/plan: a kind added there without a declaration here
// would escape the coverage check.
func TestAllKindsListsEveryKindOfPlan(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../plan/model.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[plan.Kind]bool{}
	for _, k := range allKinds {
		listed[k] = true
	}
	found := 0
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || v.Type == nil || fmt.Sprint(v.Type) != "Kind" {
			return true
		}
		for _, val := range v.Values {
			lit, ok := val.(*ast.BasicLit)
			if !ok {
				continue
			}
			found++
			if k := plan.Kind(strings.Trim(lit.Value, `"`)); !listed[k] {
				t.Errorf("plan declares kind %s, which allKinds (and so the IAM coverage check) leaves out", k)
			}
		}
		return true
	})
	if found != len(allKinds) {
		t.Errorf("plan/model.go declares %d kinds, allKinds lists %d", found, len(allKinds))
	}
}
