package events

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const testRegion = "eu-west-1"

var fnID = plan.ContainerID("jobs", plan.SuffixFunction)

type moto struct {
	calls   *awscalls.Counter
	clients ClientFactory
	events  *eb.Client
	lambda  *awslambda.Client
	iam     *awsiam.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), testRegion)
	if err != nil {
		t.Fatal(err)
	}
	raw := cfg.Copy()
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &moto{calls: calls, clients: Clients(cfg), events: eb.NewFromConfig(raw), lambda: awslambda.NewFromConfig(raw), iam: awsiam.NewFromConfig(raw)}
}

var unique atomic.Int64

func uniqueName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, unique.Add(1)) }

// function creates the target function (moto checks its role exists).
func (m *moto) function(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := m.iam.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(uniqueName("role")), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := m.lambda.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: aws.String(uniqueName("berth-shop-dev-jobs-fn")), PackageType: lambdatypes.PackageTypeImage,
		Code: &lambdatypes.FunctionCode{ImageUri: aws.String(motoserver.Account + ".dkr.ecr." + testRegion + ".amazonaws.com/jobs:v1")},
		Role: role.Role.Arn,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(fn.FunctionArn)
}

func envFor(fnArn string) provision.Env {
	return provision.Env{App: "shop", Stage: "dev", Account: motoserver.Account, Region: testRegion,
		Refs: provision.OutputsByID{fnID: {plan.AttrArn: fnArn}}}
}

func ruleResource(t *testing.T, name, pattern string) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(plan.EventRuleProps{Pattern: pattern, Function: &plan.Ref{ID: fnID, Attr: plan.AttrArn}})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: plan.EventRuleID("jobs", "orders"), Kind: plan.KindEventRule, Container: "jobs", Name: name, Region: testRegion, Props: raw}
}

const (
	placed    = `{"detail-type":["Order Placed"],"source":["acme.orders"]}`
	cancelled = `{"detail-type":["Order Cancelled"],"source":["acme.orders"]}`
)

func TestAnEventRuleFollowsTheProvisionerContract(t *testing.T) {
	m := newMoto(t)
	fn := m.function(t)
	name := uniqueName("berth-shop-dev-jobs-evt-orders")
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewRule(m.clients), Env: envFor(fn), Calls: m.calls,
		Initial:       ruleResource(t, name, placed),
		Updated:       ruleResource(t, name, cancelled),
		UpdatedFields: []string{"pattern"},
		OutOfBand: func(ctx context.Context) error { // a second target would receive the app's events
			_, err := m.events.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String(name), Targets: []types.Target{
				{Id: aws.String("extra"), Arn: aws.String("arn:aws:sqs:eu-west-1:123456789012:elsewhere")}}})
			return err
		},
		DriftField: "targets",
	})
}

// The rule is the one place EventBridge may invoke the function from: its grant names the
// rule's ARN, it is checked by Observe, restored by Update, and removed with the rule.
func TestAnEventRuleGrantsInvokeToItsRuleOnlyAndRestoresIt(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.function(t)
	env := envFor(fn)
	name := uniqueName("berth-shop-dev-jobs-evt-orders")
	r := ruleResource(t, name, placed)
	p := NewRule(m.clients)
	out, err := p.Create(ctx, env, r)
	if err != nil {
		t.Fatal(err)
	}
	grant := func() *lambdapolicy.Statement {
		t.Helper()
		g, err := readGrant(ctx, m.lambda, fn, name)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g := grant()
	if g == nil || !lambdapolicy.IsEventRuleGrant(*g) || g.SourceArns[0] != out[plan.AttrArn] {
		t.Fatalf("grant %+v, rule %s", g, out[plan.AttrArn])
	}
	targets, err := m.events.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String(name)})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != fn || targets.Targets[0].Input != nil {
		t.Fatalf("targets %+v (%v)", targets, err)
	}

	if _, err := m.lambda.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String(fn), StatementId: aws.String(lambdapolicy.EventRuleSid(name))}); err != nil {
		t.Fatal(err)
	}
	obs, err := p.Observe(ctx, env, r)
	if err != nil {
		t.Fatal(err)
	}
	provtest.AssertFields(t, "without the grant", obs.Diff, []string{"invoke permission"})
	if _, err := p.Update(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if g := grant(); g == nil || g.SourceArns[0] != out[plan.AttrArn] {
		t.Fatalf("grant after update: %+v", g)
	}

	if err := p.Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if g := grant(); g != nil {
		t.Fatalf("grant left after delete: %+v", g)
	}
}

// A pattern EventBridge spells differently (spacing, key order) is the same pattern.
func TestAnEventRulePatternComparesAsJSONNotAsText(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.function(t)
	name := uniqueName("berth-shop-dev-jobs-evt-orders")
	p := NewRule(m.clients)
	if _, err := p.Create(ctx, envFor(fn), ruleResource(t, name, placed)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.events.PutRule(ctx, &eb.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{ "source": ["acme.orders"], "detail-type": ["Order Placed"] }`)}); err != nil {
		t.Fatal(err)
	}
	obs, err := p.Observe(ctx, envFor(fn), ruleResource(t, name, placed))
	if err != nil || !obs.UpToDate() {
		t.Fatalf("observe: %+v %v", obs, err)
	}
	if err := p.Delete(ctx, envFor(fn), ruleResource(t, name, placed)); err != nil {
		t.Fatal(err)
	}
}

func TestAnEventRuleBerthDidNotTagIsNeverTouched(t *testing.T) {
	m := newMoto(t)
	fn := m.function(t)
	name := uniqueName("berth-shop-dev-jobs-evt-orders")
	provtest.NotOwned(t, NewRule(m.clients), envFor(fn), ruleResource(t, name, placed), func(ctx context.Context) error {
		_, err := m.events.PutRule(ctx, &eb.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(placed)})
		return err
	})
	if g, err := readGrant(context.Background(), m.lambda, fn, name); err != nil || g != nil {
		t.Fatalf("a grant for a foreign rule: %+v %v", g, err)
	}
}

// The function's CloudFront permission leaves a rule's exact grant alone but still
// reports a look-alike that invokes from anywhere else.
func TestOnlyAnExactRuleGrantIsARuleGrant(t *testing.T) {
	ruleArn := "arn:aws:events:eu-west-1:123456789012:rule/berth-shop-dev-jobs-evt-orders-abc123"
	exact := lambdapolicy.Statement{Sid: lambdapolicy.EventRuleSid("berth-shop-dev-jobs-evt-orders-abc123"), Effect: "Allow",
		Principals: []string{"Service:events.amazonaws.com"}, Actions: []string{"lambda:InvokeFunction"}, SourceArns: []string{ruleArn}}
	cases := map[string]func(s *lambdapolicy.Statement){
		"another rule's ARN": func(s *lambdapolicy.Statement) {
			s.SourceArns = []string{strings.Replace(ruleArn, "orders", "other", 1)}
		},
		"no source":           func(s *lambdapolicy.Statement) { s.SourceArns = nil },
		"another principal":   func(s *lambdapolicy.Statement) { s.Principals = []string{"AWS:arn:aws:iam::999999999999:root"} },
		"a broader action":    func(s *lambdapolicy.Statement) { s.Actions = []string{"lambda:*"} },
		"a sid not berth's":   func(s *lambdapolicy.Statement) { s.Sid = "events" },
		"via a function URL":  func(s *lambdapolicy.Statement) { s.ViaURL = true },
		"a deny is not grant": func(s *lambdapolicy.Statement) { s.Effect = "Deny" },
	}
	if !lambdapolicy.IsEventRuleGrant(exact) {
		t.Fatal("the exact grant is not recognised")
	}
	for name, change := range cases {
		s := exact
		change(&s)
		if lambdapolicy.IsEventRuleGrant(s) {
			t.Errorf("%s: counted as a rule's grant", name)
		}
	}
}

// A delete interrupted after the rule went leaves the grant: the next delete removes it.
func TestAGrantLeftByAnInterruptedDeleteGoesWhenTheRuleIsAlreadyGone(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	fn := m.function(t)
	env := envFor(fn)
	name := uniqueName("berth-shop-dev-jobs-evt-orders")
	r := ruleResource(t, name, placed)
	p := NewRule(m.clients)
	if _, err := p.Create(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if _, err := m.events.RemoveTargets(ctx, &eb.RemoveTargetsInput{Rule: aws.String(name), Ids: []string{targetID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.events.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if obs, err := p.Observe(ctx, env, r); err != nil || obs.Exists {
		t.Fatalf("observe without the rule: %+v %v", obs, err)
	}
	if err := p.Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if g, err := readGrant(ctx, m.lambda, fn, name); err != nil || g != nil {
		t.Fatalf("grant left after delete: %+v %v", g, err)
	}
	if err := p.Delete(ctx, env, r); err != nil {
		t.Fatalf("delete again: %v", err)
	}
}
