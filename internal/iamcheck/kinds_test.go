package iamcheck

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/kinds"
)

// stateMachineRuns is which verbs of which kinds each function runs:
//   - plan steps go to the function their kind's descriptor names, which runs every verb;
//   - a step waiting on a ReadyGates kind observes that dependency (step.go);
//   - verify observes every desired resource (verify.go);
//   - drift observes every applied resource (drift.go);
//   - compensate undoes any step: Delete what was created, Observe then Update or
//     Create what was changed (compensate.go).
func stateMachineRuns() map[string]Runs {
	runs := map[string]Runs{}
	add := func(fn string, k plan.Kind, verbs ...Verb) {
		fn = "berth-" + fn
		if runs[fn] == nil {
			runs[fn] = Runs{}
		}
		if len(runs[fn][k]) < len(verbs) {
			runs[fn][k] = verbs
		}
	}
	for _, d := range kinds.All() {
		k := d.Kind
		add("compensate", k, AllVerbs...)
		add(d.Function, k, AllVerbs...)
		add("verify", k, Observe)
		add("drift", k, Observe)
		for _, g := range d.ReadyGates { // the gated step observes its gate
			add(d.Function, g, Observe)
		}
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
	for _, p := range KindCoverage(kindPolicies(t), kindInstall(), kinds.All(), stateMachineRuns(), nonProvisionerNeeds) {
		t.Error(p)
	}
}

func TestEveryKindDeclaresItsPermissions(t *testing.T) {
	for _, d := range kinds.All() {
		if len(d.Permissions.Observe) == 0 {
			t.Errorf("%s declares no Observe actions", d.Kind)
		}
	}
}

// A statement a kind needs removed from template.yaml, a granted action no longer
// declared, a declared resource the template does not cover, or a kind with no
// declaration each fail the check, naming function, kind and action.
func TestKindCoverageNamesFunctionKindAndActionWhenEitherSideIsOff(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(pols map[string]*Policies, decl []provision.Descriptor) []provision.Descriptor
		want   string
	}{
		{"a statement the router function's tagging needs is removed from the template",
			func(pols map[string]*Policies, decl []provision.Descriptor) []provision.Descriptor {
				dropStatement(pols, "TagEdgeResourcesOnCreate")
				return decl
			},
			"berth-cdn: kind AWS::CloudFront::Function needs cloudfront:TagResource on arn:${Partition}:cloudfront::${Account}:function/berth-* (Create), which template.yaml does not grant"},
		{"the certificate kind no longer declares DeleteCertificate",
			func(_ map[string]*Policies, decl []provision.Descriptor) []provision.Descriptor {
				return mapKind(decl, plan.KindCertificate, func(p *provision.Permissions) { p.Delete = nil })
			},
			"berth-cdn: template.yaml grants acm:DeleteCertificate (CdnApplyPolicy DeleteOwnedCertificates), which no kind the function runs declares"},
		{"the function kind declares a resource the template does not cover",
			func(_ map[string]*Policies, decl []provision.Descriptor) []provision.Descriptor {
				return mapKind(decl, plan.KindFunction, func(p *provision.Permissions) {
					p.Resources = map[string]string{"lambda": "arn:${Partition}:lambda:${Region}:${Account}:function:other-*"}
				})
			},
			"berth-compute: kind AWS::Lambda::Function needs lambda:CreateFunction on arn:${Partition}:lambda:${Region}:${Account}:function:other-* (Create)"},
		{"a kind declares nothing",
			func(_ map[string]*Policies, decl []provision.Descriptor) []provision.Descriptor {
				var out []provision.Descriptor
				for _, d := range decl {
					if d.Kind != plan.KindRecordSet {
						out = append(out, d)
					}
				}
				return out
			},
			"berth-cdn: runs kind AWS::Route53::RecordSet, which declares no IAM permissions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pols := kindPolicies(t)
			decl := tt.mutate(pols, kinds.All())
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

func mapKind(decl []provision.Descriptor, k plan.Kind, f func(*provision.Permissions)) []provision.Descriptor {
	out := make([]provision.Descriptor, len(decl))
	copy(out, decl)
	for i := range out {
		if out[i].Kind == k {
			f(&out[i].Permissions)
		}
	}
	return out
}
