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

// permCall is one verb's call on a permission.
type permCall = provision.Call[API, permTarget]

// NewPermission returns the provisioner of plan.KindPermission: its grants on the
// function props.Function points at, for the distribution props.Distribution (or the
// target group props.TargetGroup) points at. The statements have no tags: they are
// berth's when the function is. A function without any of berth's statements holds no
// permission (Observe and Delete find none), yet Create and Update add them to it once
// its ownership is checked; with no function at all there is nothing to add them to.
// Statements berth did not write are left alone (Observe reports them).
func NewPermission(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, permTarget, livePolicy]{
		Clients: clients,
		Desired: func(_ context.Context, c *permCall) (permTarget, error) { return target(c.Env, c.R) },
		Find:    readPolicy,
		Exists:  (*livePolicy).exists,
		Owned:   func(c *permCall, l *livePolicy) bool { return ownedBy(c.Env, c.Props.functionID, l.tags) },
		OwnerID: func(c *permCall) string { return c.Props.functionID },
		Diff: func(_ context.Context, c *permCall, l *livePolicy) (provision.Diffs, error) {
			return diffStatements(c.Props, l), nil
		},
		Outputs: func(*permCall, *livePolicy) provision.Outputs { return provision.Outputs{} },
		Create: func(_ context.Context, c *permCall) (provision.Outputs, error) {
			return nil, &provision.PreconditionError{Kind: string(c.R.Kind), Name: c.R.Name, Problem: "function " + c.Props.function + " does not exist: it must be created first"}
		},
		Converge: convergeStatements,
		Remove:   removeStatements,
	})
}

// permTarget is a permission resource with its refs resolved.
type permTarget struct {
	functionID string
	function   string // function name or ARN
	sourceArn  string // distribution or target group ARN
	grants     []grant
}

func target(env provision.Env, r plan.Resource) (permTarget, error) {
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

// livePolicy is the function's tags and the statements of its policy.
type livePolicy struct {
	tags  map[string]string
	stmts []statement
}

// ours returns berth's statement sid, or nil.
func (l *livePolicy) ours(sid string) *statement {
	for i := range l.stmts {
		if l.stmts[i].Sid == sid {
			return &l.stmts[i]
		}
	}
	return nil
}

// exists: at least one of berth's statements is on the policy.
func (l *livePolicy) exists() bool {
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

// readPolicy loads the function's tags and policy; a function without a policy has no
// statements.
func readPolicy(ctx context.Context, c *permCall) (*livePolicy, error) {
	fn, err := c.API.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(c.Props.function)})
	if err != nil {
		return nil, err
	}
	live := &livePolicy{tags: fn.Tags}
	out, err := c.API.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(c.Props.function)})
	if provision.IsNotFound(err) {
		return live, nil
	}
	if err != nil {
		return nil, err
	}
	live.stmts, err = parseStatements(aws.ToString(out.Policy))
	return live, err
}

// convergeStatements puts each of berth's statements in place (kept when exact,
// replaced when not) and removes those the resource no longer wants.
func convergeStatements(ctx context.Context, c *permCall, live *livePolicy, _ provision.Diffs) (provision.Outputs, error) {
	for _, g := range c.Props.grants {
		if err := put(ctx, c, g, live.ours(g.sid)); err != nil {
			return nil, err
		}
	}
	for _, g := range allGrants {
		if !c.Props.wants(g.sid) && live.ours(g.sid) != nil {
			if err := removeStatement(ctx, c, g.sid); err != nil {
				return nil, err
			}
		}
	}
	return provision.Outputs{}, nil
}

// put makes statement g exact: nothing when it is, remove-then-add when it differs.
func put(ctx context.Context, c *permCall, g grant, cur *statement) error {
	t := c.Props
	if cur != nil && len(g.problems(*cur, t.sourceArn)) == 0 {
		return nil
	}
	if cur != nil {
		if err := removeStatement(ctx, c, g.sid); err != nil {
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
	_, err := c.API.AddPermission(ctx, in)
	return err
}

func removeStatement(ctx context.Context, c *permCall, sid string) error {
	_, err := c.API.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String(c.Props.function), StatementId: aws.String(sid)})
	if provision.IsNotFound(err) {
		return nil
	}
	return err
}

// removeStatements removes berth's statements and nothing else.
func removeStatements(ctx context.Context, c *permCall, live *livePolicy) error {
	for _, g := range allGrants {
		if live.ours(g.sid) == nil {
			continue
		}
		if err := removeStatement(ctx, c, g.sid); err != nil {
			return err
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
func diffStatements(t permTarget, live *livePolicy) provision.Diffs {
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
	return provision.Diffs{{
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
