package lambda

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Statement ids of berth's statements on a function's resource policy: two for CloudFront
// (a public app), one for the private app's load balancer.
const (
	StatementURL    = "berth-cloudfront-url"
	StatementInvoke = "berth-cloudfront-invoke"
	StatementALB    = "berth-alb-invoke"
)

// The only principals berth ever grants.
const (
	cloudFrontPrincipal = "cloudfront.amazonaws.com"
	elbPrincipal        = "elasticloadbalancing.amazonaws.com"
)

// grant is one statement berth puts on the policy.
type grant struct {
	sid, action, principal string
	authType               string // FunctionUrlAuthType condition, "" for none
	viaURL                 bool   // InvokedViaFunctionUrl condition
}

// cloudFrontGrants are both statements a Function URL behind CloudFront OAC needs: since
// October 2025 Lambda checks lambda:InvokeFunction as well as lambda:InvokeFunctionUrl.
var cloudFrontGrants = []grant{
	{sid: StatementURL, action: "lambda:InvokeFunctionUrl", principal: cloudFrontPrincipal, authType: authTypeIAM},
	{sid: StatementInvoke, action: "lambda:InvokeFunction", principal: cloudFrontPrincipal, viaURL: true},
}

// albGrants is what a lambda target group needs: lambda:InvokeFunction for Elastic Load
// Balancing from that target group ("Lambda functions as targets", Prepare the Lambda
// function: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html).
var albGrants = []grant{{sid: StatementALB, action: "lambda:InvokeFunction", principal: elbPrincipal}}

// allGrants are every statement berth may have written on a function; those the resource
// no longer wants (an app switched between public and private) are removed.
var allGrants = append(append([]grant{}, cloudFrontGrants...), albGrants...)

// Permission provisions plan.KindPermission: its grants on the function props.Function
// points at, for the distribution props.Distribution (or the target group
// props.TargetGroup) points at.
type Permission struct {
	clients ClientFactory
}

// NewPermission returns the permission provisioner.
func NewPermission(clients ClientFactory) *Permission { return &Permission{clients: clients} }

// permTarget is a permission resource with its refs resolved.
type permTarget struct {
	functionID string
	function   string // function name or ARN
	sourceArn  string // distribution or target group ARN
	grants     []grant
}

func (p *Permission) target(env provision.Env, r plan.Resource) (permTarget, error) {
	props, err := provision.Decode[plan.PermissionProps](r)
	if err != nil {
		return permTarget{}, err
	}
	fn, err := env.Refs.Resolve(props.Function)
	if err != nil {
		return permTarget{}, err
	}
	source, grants := props.Distribution, cloudFrontGrants
	if props.TargetGroup != nil {
		source, grants = props.TargetGroup, albGrants
	}
	if source == nil {
		return permTarget{}, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "decode", Cause: "neither distribution nor targetGroup is set"}
	}
	arn, err := env.Refs.Resolve(*source)
	if err != nil {
		return permTarget{}, err
	}
	return permTarget{functionID: props.Function.ID, function: fn, sourceArn: arn, grants: grants}, nil
}

// livePolicy is what a permission call found.
type livePolicy struct {
	owned bool
	tags  map[string]string
	stmts []statement
}

// ours returns berth's statement sid, or nil.
func (l livePolicy) ours(sid string) *statement {
	for i := range l.stmts {
		if l.stmts[i].Sid == sid {
			return &l.stmts[i]
		}
	}
	return nil
}

// exists: at least one of berth's statements is on the policy.
func (l livePolicy) exists() bool {
	for _, g := range allGrants {
		if l.ours(g.sid) != nil {
			return true
		}
	}
	return false
}

// wants reports whether t's grants include sid.
func (t permTarget) wants(sid string) bool {
	for _, g := range t.grants {
		if g.sid == sid {
			return true
		}
	}
	return false
}

// read loads the function's tags and policy; nil when the function does not exist.
func (p *Permission) read(ctx context.Context, env provision.Env, api API, t permTarget) (*livePolicy, error) {
	fn, err := lookupFunction(ctx, api, t.function)
	if err != nil || fn == nil {
		return nil, err
	}
	live := &livePolicy{owned: ownedBy(env, t.functionID, fn.Tags), tags: fn.Tags}
	out, err := api.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(t.function)})
	if provision.IsNotFound(err) {
		return live, nil
	}
	if err != nil {
		return nil, err
	}
	live.stmts, err = parseStatements(aws.ToString(out.Policy))
	return live, err
}

// Observe implements provision.Provisioner.
func (p *Permission) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	t, err := p.target(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	live, err := p.read(ctx, env, p.clients(regionOf(env, r)), t)
	if err != nil || live == nil || !live.exists() {
		return provision.Observation{}, provision.ClassifyFor(err, "observe", r)
	}
	if !live.owned {
		return provision.NotOwnedObservation(env, plan.Resource{ID: t.functionID}), nil
	}
	return provision.Observation{Exists: true, Ready: true, Diff: diffStatements(t, live), Outputs: provision.Outputs{}}, nil
}

// Create implements provision.Provisioner.
func (p *Permission) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.apply(ctx, env, r, "create")
}

// Update implements provision.Provisioner.
func (p *Permission) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.apply(ctx, env, r, "update")
}

// apply puts each of berth's statements in place: kept when exact, replaced when not.
// Statements berth did not write are left alone (Observe reports them).
func (p *Permission) apply(ctx context.Context, env provision.Env, r plan.Resource, op string) (provision.Outputs, error) {
	t, err := p.target(env, r)
	if err != nil {
		return nil, err
	}
	api := p.clients(regionOf(env, r))
	live, err := p.read(ctx, env, api, t)
	if err != nil {
		return nil, provision.ClassifyFor(err, op, r)
	}
	if live == nil {
		return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "function " + t.function + " does not exist: it must be created first"}
	}
	if !live.owned {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	for _, g := range t.grants {
		if err := p.put(ctx, api, t, g, live.ours(g.sid)); err != nil {
			return nil, provision.ClassifyFor(err, op, r)
		}
	}
	for _, g := range allGrants {
		if !t.wants(g.sid) && live.ours(g.sid) != nil {
			if err := p.remove(ctx, api, t, g.sid); err != nil {
				return nil, provision.ClassifyFor(err, op, r)
			}
		}
	}
	return provision.Outputs{}, nil
}

// put makes statement g exact: nothing when it is, remove-then-add when it differs.
func (p *Permission) put(ctx context.Context, api API, t permTarget, g grant, cur *statement) error {
	if cur != nil && len(g.problems(*cur, t.sourceArn)) == 0 {
		return nil
	}
	if cur != nil {
		if err := p.remove(ctx, api, t, g.sid); err != nil {
			return err
		}
	}
	in := &awslambda.AddPermissionInput{
		FunctionName: aws.String(t.function),
		StatementId:  aws.String(g.sid),
		Action:       aws.String(g.action),
		Principal:    aws.String(g.principal),
		SourceArn:    aws.String(t.sourceArn),
	}
	if g.authType != "" {
		in.FunctionUrlAuthType = types.FunctionUrlAuthType(g.authType)
	}
	if g.viaURL {
		in.InvokedViaFunctionUrl = aws.Bool(true)
	}
	_, err := api.AddPermission(ctx, in)
	return err
}

func (p *Permission) remove(ctx context.Context, api API, t permTarget, sid string) error {
	_, err := api.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String(t.function), StatementId: aws.String(sid)})
	if provision.IsNotFound(err) {
		return nil
	}
	return err
}

// Delete implements provision.Provisioner: it removes berth's statements and nothing
// else.
func (p *Permission) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	t, err := p.target(env, r)
	if err != nil {
		return err
	}
	api := p.clients(regionOf(env, r))
	live, err := p.read(ctx, env, api, t)
	if err != nil || live == nil || !live.exists() {
		return provision.ClassifyFor(err, "delete", r)
	}
	if !live.owned {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	for _, g := range allGrants {
		if live.ours(g.sid) == nil {
			continue
		}
		if err := p.remove(ctx, api, t, g.sid); err != nil {
			return provision.ClassifyFor(err, "delete", r)
		}
	}
	return nil
}

// problems lists how s differs from the statement g should be.
func (g grant) problems(s statement, sourceArn string) []string {
	var out []string
	check := func(ok bool, what string) {
		if !ok {
			out = append(out, what)
		}
	}
	check(s.Effect == "Allow", "effect "+s.Effect)
	check(equal(s.Principals, []string{"Service:" + g.principal}), "principal "+strings.Join(s.Principals, ","))
	check(equal(s.Actions, []string{g.action}), "action "+strings.Join(s.Actions, ","))
	check(equal(s.SourceArns, []string{sourceArn}), "source "+strings.Join(s.SourceArns, ","))
	check(s.AuthType == g.authType, "FunctionUrlAuthType "+orNone(s.AuthType))
	check(s.ViaURL == g.viaURL, "InvokedViaFunctionUrl mismatch")
	return out
}

// diffStatements reports, as one "statements" field, each of berth's statements that is
// missing or not exact, and every other statement that grants access: on a function
// berth owns, any other grant is access berth did not give (an awsEventBridge rule's own
// grant is its rule's to check).
func diffStatements(t permTarget, live *livePolicy) []provision.FieldDiff {
	var problems []string
	var sids []string
	for _, g := range t.grants {
		sids = append(sids, g.sid)
		cur := live.ours(g.sid)
		if cur == nil {
			problems = append(problems, g.sid+" missing")
			continue
		}
		if p := g.problems(*cur, t.sourceArn); len(p) > 0 {
			problems = append(problems, g.sid+": "+strings.Join(p, ", "))
		}
	}
	for _, s := range live.stmts {
		if !t.wants(s.Sid) && s.Effect == "Allow" && !lambdapolicy.IsEventRuleGrant(s) {
			problems = append(problems, "other statement "+orNone(s.Sid)+" grants "+strings.Join(s.Actions, ",")+" to "+strings.Join(s.Principals, ","))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return []provision.FieldDiff{{
		Field:   "statements",
		Desired: strings.Join(sids, " and ") + " for " + t.grants[0].principal + " from " + t.sourceArn + " only",
		Actual:  strings.Join(problems, "; "),
	}}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
