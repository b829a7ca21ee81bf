package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func distributionArn(id string) string {
	return "arn:aws:cloudfront::123456789012:distribution/" + id
}

// permissionCase makes a function and the permission resource for it; the env's
// distribution is dist.
func permissionCase(t *testing.T, m *moto, owned bool) (plan.Resource, provision.Env, string) {
	t.Helper()
	name := uniqueName("berth-shop-dev-api-fn")
	var tags map[string]string
	if owned {
		tags = ownedTags()
	}
	arn := m.imageFunction(t, name, m.role(t), tags)
	env := testEnv(provision.OutputsByID{
		"api/Function":      {plan.AttrArn: arn},
		plan.IDDistribution: {plan.AttrArn: distributionArn("E1")},
	})
	r := resource(t, "api/Permission", plan.KindPermission, "berth-shop-dev-api-cf-abc123", testRegion, plan.PermissionProps{
		Function:     plan.Ref{ID: "api/Function", Attr: plan.AttrArn},
		Distribution: &plan.Ref{ID: plan.IDDistribution, Attr: plan.AttrArn},
	})
	return r, env, name
}

func TestPermissionLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	r, env, name := permissionCase(t, m, true)
	// The update points the permission at another distribution, as a redeploy after the
	// distribution was replaced would.
	env.Refs.(provision.OutputsByID)["Distribution2"] = provision.Outputs{plan.AttrArn: distributionArn("E2")}
	updated := r
	updated.Props = json.RawMessage(`{"function":{"ref":"api/Function","attr":"Arn"},"distribution":{"ref":"Distribution2","attr":"Arn"}}`)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewPermission(m.clients),
		Env:           env,
		Calls:         m.calls,
		Initial:       r,
		Updated:       updated,
		UpdatedFields: []string{"statements"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw(testRegion).AddPermission(ctx, &awslambda.AddPermissionInput{
				FunctionName: aws.String(name), StatementId: aws.String("someone-else"),
				Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("210987654321"),
			})
			return err
		},
		DriftField: "statements",
	})
	// Delete took berth's statements only: the foreign one is still there.
	sids := policySids(t, m, name)
	if len(sids) != 1 || sids[0] != "someone-else" {
		t.Fatalf("after delete the policy holds %v, want only the statement berth did not write", sids)
	}
}

func TestPermissionOnAFunctionBerthDoesNotOwnIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	r, env, name := permissionCase(t, m, false)
	provtest.NotOwned(t, NewPermission(m.clients), env, r, func(ctx context.Context) error {
		_, err := m.raw(testRegion).AddPermission(ctx, &awslambda.AddPermissionInput{
			FunctionName: aws.String(name), StatementId: aws.String(StatementURL), Action: aws.String("lambda:InvokeFunctionUrl"),
			Principal: aws.String(cloudFrontPrincipal), SourceArn: aws.String(distributionArn("EOTHER")), FunctionUrlAuthType: types.FunctionUrlAuthTypeAwsIam,
		})
		return err
	})
}

// What moto stores: its statements keep FunctionUrlAuthType and InvokedViaFunctionUrl as
// top-level keys (Lambda turns them into conditions, see the fake test below).
func TestPermissionStatementsReadBackAreExactlyTheTwoRequired(t *testing.T) {
	m := newMoto(t)
	r, env, name := permissionCase(t, m, true)
	if _, err := NewPermission(m.clients).Create(context.Background(), env, r); err != nil {
		t.Fatal(err)
	}
	assertCalls(t, m, "permission", 2, 2)
	out, err := m.raw(testRegion).GetPolicy(context.Background(), &awslambda.GetPolicyInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		StatementURL:    {"Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "AWS_IAM"},
		StatementInvoke: {"Action": "lambda:InvokeFunction", "InvokedViaFunctionUrl": true},
	}
	if len(doc.Statement) != 2 {
		t.Fatalf("policy has %d statements, want 2: %s", len(doc.Statement), aws.ToString(out.Policy))
	}
	for _, s := range doc.Statement {
		w, ok := want[s["Sid"].(string)]
		if !ok {
			t.Fatalf("unexpected statement %v", s)
		}
		for k, v := range w {
			if s[k] != v {
				t.Errorf("%s: %s = %v, want %v", s["Sid"], k, s[k], v)
			}
		}
		if p, _ := json.Marshal(s["Principal"]); string(p) != `{"Service":"cloudfront.amazonaws.com"}` {
			t.Errorf("%s: principal %s", s["Sid"], p)
		}
		if c, _ := json.Marshal(s["Condition"]); string(c) != `{"ArnLike":{"AWS:SourceArn":"`+distributionArn("E1")+`"}}` {
			t.Errorf("%s: condition %s", s["Sid"], c)
		}
		if s["Effect"] != "Allow" {
			t.Errorf("%s: effect %v", s["Sid"], s["Effect"])
		}
	}
}

// awsPolicy is a function policy as Lambda itself returns it for berth's statements.
func awsPolicy(sourceArn string, extra ...string) string {
	stmts := []string{
		`{"Sid":"berth-cloudfront-url","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunctionUrl","Resource":"arn:aws:lambda:eu-west-1:123456789012:function:f","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"},"ArnLike":{"AWS:SourceArn":"` + sourceArn + `"}}}`,
		`{"Sid":"berth-cloudfront-invoke","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:eu-west-1:123456789012:function:f","Condition":{"Bool":{"lambda:InvokedViaFunctionUrl":"true"},"ArnLike":{"AWS:SourceArn":"` + sourceArn + `"}}}`,
	}
	stmts = append(stmts, extra...)
	doc := `{"Version":"2012-10-17","Id":"default","Statement":[`
	for i, s := range stmts {
		if i > 0 {
			doc += ","
		}
		doc += s
	}
	return doc + "]}"
}

func TestPermissionAgainstAFakeOfLambdasPolicyFormat(t *testing.T) {
	dist := distributionArn("E1")
	tests := []struct {
		name        string
		policy      string
		wantFields  []string
		wantAdded   []string
		wantRemoved []string
	}{
		{"Lambda's own rendering of both statements is up to date", awsPolicy(dist), nil, nil, nil},
		{"no policy at all adds both statements", "", []string{}, []string{StatementURL, StatementInvoke}, nil},
		{"a statement for another distribution is replaced", awsPolicy(distributionArn("EOLD")), []string{"statements"}, []string{StatementURL, StatementInvoke}, []string{StatementURL, StatementInvoke}},
		{"a grant to anyone else is reported but left to the user", awsPolicy(dist, `{"Sid":"open","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"x"}`), []string{"statements"}, nil, nil},
		{"an invoke statement without InvokedViaFunctionUrl is replaced", `{"Statement":[` +
			`{"Sid":"berth-cloudfront-url","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunctionUrl","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"},"ArnLike":{"AWS:SourceArn":"` + dist + `"}}},` +
			`{"Sid":"berth-cloudfront-invoke","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"ArnLike":{"AWS:SourceArn":"` + dist + `"}}}]}`,
			[]string{"statements"}, []string{StatementInvoke}, []string{StatementInvoke}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, env, _ := fakeFunction(t)
			fake.policy = tc.policy
			env.Refs = provision.OutputsByID{"api/Function": {plan.AttrArn: aws.ToString(fake.cfg.FunctionArn)}, plan.IDDistribution: {plan.AttrArn: dist}}
			r := resource(t, "api/Permission", plan.KindPermission, "p", testRegion, plan.PermissionProps{
				Function:     plan.Ref{ID: "api/Function", Attr: plan.AttrArn},
				Distribution: &plan.Ref{ID: plan.IDDistribution, Attr: plan.AttrArn},
			})
			p := NewPermission(fake.factory())
			obs, err := p.Observe(context.Background(), env, r)
			if err != nil {
				t.Fatal(err)
			}
			if tc.policy != "" {
				provtest.AssertFields(t, "observe", obs.Diff, tc.wantFields)
			}
			if _, err := p.Update(context.Background(), env, r); err != nil {
				t.Fatal(err)
			}
			assertSids(t, "added", sidsOf(fake.added), tc.wantAdded)
			assertSids(t, "removed", fake.removed, tc.wantRemoved)
			for _, in := range fake.added {
				assertAddPermission(t, in, dist)
			}
		})
	}
}

// assertAddPermission checks one AddPermission request is exactly berth's statement.
func assertAddPermission(t *testing.T, in *awslambda.AddPermissionInput, dist string) {
	t.Helper()
	if aws.ToString(in.Principal) != cloudFrontPrincipal || aws.ToString(in.SourceArn) != dist {
		t.Fatalf("AddPermission %s grants %s from %s", aws.ToString(in.StatementId), aws.ToString(in.Principal), aws.ToString(in.SourceArn))
	}
	switch aws.ToString(in.StatementId) {
	case StatementURL:
		if aws.ToString(in.Action) != "lambda:InvokeFunctionUrl" || in.FunctionUrlAuthType != types.FunctionUrlAuthTypeAwsIam || in.InvokedViaFunctionUrl != nil {
			t.Fatalf("url statement request %+v", in)
		}
	case StatementInvoke:
		if aws.ToString(in.Action) != "lambda:InvokeFunction" || !aws.ToBool(in.InvokedViaFunctionUrl) || in.FunctionUrlAuthType != "" {
			t.Fatalf("invoke statement request %+v", in)
		}
	default:
		t.Fatalf("unexpected statement id %s", aws.ToString(in.StatementId))
	}
}

func sidsOf(ins []*awslambda.AddPermissionInput) []string {
	var out []string
	for _, in := range ins {
		out = append(out, aws.ToString(in.StatementId))
	}
	return out
}

func assertSids(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s %v, want %v", what, got, want)
		}
	}
}

func policySids(t *testing.T, m *moto, function string) []string {
	t.Helper()
	out, err := m.raw(testRegion).GetPolicy(context.Background(), &awslambda.GetPolicyInput{FunctionName: aws.String(function)})
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := parseStatements(aws.ToString(out.Policy))
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, s := range stmts {
		sids = append(sids, s.Sid)
	}
	return sids
}

// A private app's permission lets Elastic Load Balancing invoke the function from its
// target group only; switching the app between public and private moves the grant.
func TestPermissionForALoadBalancerTargetGroupReplacesTheCloudFrontGrants(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	r, env, name := permissionCase(t, m, true)
	p := NewPermission(m.clients)
	if _, err := p.Create(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	tgArn := "arn:aws:elasticloadbalancing:" + testRegion + ":123456789012:targetgroup/berth-shop-dev-api-tg/0123456789abcdef"
	env.Refs.(provision.OutputsByID)["api/TargetGroup"] = provision.Outputs{plan.AttrArn: tgArn}
	private := r
	private.Props = json.RawMessage(`{"function":{"ref":"api/Function","attr":"Arn"},"targetGroup":{"ref":"api/TargetGroup","attr":"Arn"}}`)
	obs, err := p.Observe(ctx, env, private)
	if err != nil || len(obs.Diff) != 1 {
		t.Fatalf("the CloudFront grants must read as a difference for a private app: %+v, %v", obs, err)
	}
	if _, err := p.Update(ctx, env, private); err != nil {
		t.Fatal(err)
	}
	if sids := policySids(t, m, name); len(sids) != 1 || sids[0] != StatementALB {
		t.Fatalf("after the switch the policy holds %v, want only %s", sids, StatementALB)
	}
	out, err := m.raw(testRegion).GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	stmts, _ := parseStatements(aws.ToString(out.Policy))
	if s := stmts[0]; !equal(s.Principals, []string{"Service:" + elbPrincipal}) || !equal(s.Actions, []string{"lambda:InvokeFunction"}) || !equal(s.SourceArns, []string{tgArn}) {
		t.Fatalf("statement %+v, want lambda:InvokeFunction for %s from %s", s, elbPrincipal, tgArn)
	}
	if obs, err := p.Observe(ctx, env, private); err != nil || !obs.Exists || len(obs.Diff) != 0 {
		t.Fatalf("after the update: %+v, %v", obs, err)
	}
	if err := p.Delete(ctx, env, private); err != nil {
		t.Fatal(err)
	}
	if obs, err := p.Observe(ctx, env, private); err != nil || obs.Exists {
		t.Fatalf("after delete: %+v, %v", obs, err)
	}
}

// The function holds the statements: none of berth's on it is no permission, no function
// at all cannot take one, and a foreign function's are refused in its name.
func TestPermissionLivesOnItsFunction(t *testing.T) {
	ctx := context.Background()
	dist := distributionArn("E1")
	newCase := func(t *testing.T) (*fakeLambda, provision.Env, plan.Resource) {
		fake, env, _ := fakeFunction(t)
		env.Refs = provision.OutputsByID{"api/Function": {plan.AttrArn: aws.ToString(fake.cfg.FunctionArn)}, plan.IDDistribution: {plan.AttrArn: dist}}
		r := resource(t, "api/Permission", plan.KindPermission, "p", testRegion, plan.PermissionProps{
			Function:     plan.Ref{ID: "api/Function", Attr: plan.AttrArn},
			Distribution: &plan.Ref{ID: plan.IDDistribution, Attr: plan.AttrArn},
		})
		return fake, env, r
	}
	t.Run("a function without berth's statements holds no permission to observe or delete", func(t *testing.T) {
		fake, env, r := newCase(t)
		fake.tags = map[string]string{provision.TagApp: "other"}
		p := NewPermission(fake.factory())
		if obs, err := p.Observe(ctx, env, r); err != nil || obs.Exists {
			t.Fatalf("observe: %+v %v, want absent", obs, err)
		}
		if err := p.Delete(ctx, env, r); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if got := strings.Join(fake.calls, ","); got != "GetFunction,GetPolicy,GetFunction,GetPolicy" {
			t.Fatalf("calls %s, want reads only", got)
		}
	})
	t.Run("a missing function is a precondition", func(t *testing.T) {
		fake, env, r := newCase(t)
		fake.missing = true
		_, err := NewPermission(fake.factory()).Create(ctx, env, r)
		var pe *provision.PreconditionError
		if !errors.As(err, &pe) || strings.Join(fake.calls, ",") != "GetFunction" {
			t.Fatalf("create: %v after %v, want *provision.PreconditionError after GetFunction", err, fake.calls)
		}
	})
	t.Run("statements on a foreign function are reported in the function's name", func(t *testing.T) {
		fake, env, r := newCase(t)
		fake.tags = map[string]string{provision.TagApp: "other"}
		fake.policy = awsPolicy(dist)
		obs, err := NewPermission(fake.factory()).Observe(ctx, env, r)
		if err != nil || len(obs.Diff) != 1 || obs.Diff[0] != provision.NotOwnedDiff(env, plan.Resource{ID: "api/Function"}) {
			t.Fatalf("observe: %+v %v, want the not-owned diff naming api/Function", obs, err)
		}
	})
}
