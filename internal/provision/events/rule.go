package events

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// EventsAPI is the part of the EventBridge SDK client this package calls; the real
// *eventbridge.Client satisfies it.
type EventsAPI interface {
	DescribeRule(ctx context.Context, in *eb.DescribeRuleInput, opts ...func(*eb.Options)) (*eb.DescribeRuleOutput, error)
	PutRule(ctx context.Context, in *eb.PutRuleInput, opts ...func(*eb.Options)) (*eb.PutRuleOutput, error)
	DeleteRule(ctx context.Context, in *eb.DeleteRuleInput, opts ...func(*eb.Options)) (*eb.DeleteRuleOutput, error)
	ListTagsForResource(ctx context.Context, in *eb.ListTagsForResourceInput, opts ...func(*eb.Options)) (*eb.ListTagsForResourceOutput, error)
	ListTargetsByRule(ctx context.Context, in *eb.ListTargetsByRuleInput, opts ...func(*eb.Options)) (*eb.ListTargetsByRuleOutput, error)
	PutTargets(ctx context.Context, in *eb.PutTargetsInput, opts ...func(*eb.Options)) (*eb.PutTargetsOutput, error)
	RemoveTargets(ctx context.Context, in *eb.RemoveTargetsInput, opts ...func(*eb.Options)) (*eb.RemoveTargetsOutput, error)
}

// LambdaAPI is the part of the Lambda SDK client this package calls: the target
// function's resource policy.
type LambdaAPI interface {
	GetPolicy(ctx context.Context, in *awslambda.GetPolicyInput, opts ...func(*awslambda.Options)) (*awslambda.GetPolicyOutput, error)
	AddPermission(ctx context.Context, in *awslambda.AddPermissionInput, opts ...func(*awslambda.Options)) (*awslambda.AddPermissionOutput, error)
	RemovePermission(ctx context.Context, in *awslambda.RemovePermissionInput, opts ...func(*awslambda.Options)) (*awslambda.RemovePermissionOutput, error)
}

// API is one region's clients.
type API struct {
	Events      EventsAPI
	Connections ConnectionsAPI
	Lambda      LambdaAPI
}

// ClientFactory returns the clients for a region; it should cache them.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one pair per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		events := eb.NewFromConfig(cfg, func(o *eb.Options) { o.Region = region })
		return API{
			Events:      events,
			Connections: events,
			Lambda:      awslambda.NewFromConfig(cfg, func(o *awslambda.Options) { o.Region = region }),
		}
	})
}

// Register adds plan.KindEventRule, plan.KindEventConnection and plan.KindApiDestination
// to reg.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindEventRule] = NewRule(clients)
	conns := func(region string) ConnectionsAPI { return clients(region).Connections }
	reg[plan.KindEventConnection] = NewConnection(conns)
	reg[plan.KindApiDestination] = NewApiDestination(conns)
}

// targetID is the id of the rule's one target.
const targetID = "berth"

type ruleCall = provision.Call[API, want]

// NewRule returns the provisioner of plan.KindEventRule. Create and Update make the rule,
// its grant and its target exact, in that order: the function may be invoked from the
// rule before the rule delivers to it, never the other way round. Delete removes the
// targets first (EventBridge refuses to delete a rule that has any), then the grant, then
// the rule; a grant left by an interrupted delete goes even when the rule is already gone.
func NewRule(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, want, live]{
		Clients: clients,
		Desired: func(_ context.Context, c *ruleCall) (want, error) { return resolve(c.Env, c.R) },
		Find: func(ctx context.Context, c *ruleCall) (*live, error) {
			return read(ctx, c.API, c.R.Name, c.Props.function)
		},
		Owned: func(c *ruleCall, l *live) bool { return provision.Owned(c.Env, c.R, l.tags) },
		Diff: func(_ context.Context, c *ruleCall, l *live) (provision.Diffs, error) {
			return diff(c.Props, l), nil
		},
		Outputs: func(c *ruleCall, l *live) provision.Outputs { return outputs(c.R.Name, l.arn) },
		Create:  func(ctx context.Context, c *ruleCall) (provision.Outputs, error) { return putRule(ctx, c, nil) },
		Converge: func(ctx context.Context, c *ruleCall, l *live, _ provision.Diffs) (provision.Outputs, error) {
			return putRule(ctx, c, l)
		},
		Remove: removeRule,
		Leftover: func(ctx context.Context, c *ruleCall) error {
			if c.Props.function == "" {
				return nil
			}
			return removeGrant(ctx, c.API.Lambda, c.Props.function, c.R.Name)
		},
	})
}

// want is a rule's desired settings with refs resolved: an event pattern or a schedule,
// and one target, the function (invoked through its resource policy) or an API
// destination (invoked as role, with input as the event of a scheduled rule).
type want struct {
	pattern  string // canonical JSON
	schedule string
	function string // function ARN
	dest     string // API destination ARN
	role     string
	input    string
}

func resolve(env provision.Env, r plan.Resource) (want, error) {
	p, err := provision.Decode[plan.EventRuleProps](r)
	if err != nil {
		return want{}, err
	}
	w := want{schedule: p.Schedule, input: p.Input}
	if p.Pattern != "" {
		w.pattern = canonical(p.Pattern)
	}
	for _, f := range []struct {
		dst *string
		ref *plan.Ref
	}{{&w.function, p.Function}, {&w.dest, p.ApiDestination}, {&w.role, p.Role}} {
		if f.ref == nil {
			continue
		}
		if *f.dst, err = env.Refs.Resolve(*f.ref); err != nil {
			return want{}, err
		}
	}
	return w, nil
}

// targetArn is the ARN of the rule's one target.
func (w want) targetArn() string {
	if w.dest != "" {
		return w.dest
	}
	return w.function
}

// live is an existing rule with what berth checks on it.
type live struct {
	arn, pattern, state string
	schedule            string
	tags                map[string]string
	targets             []types.Target
	grant               *lambdapolicy.Statement // the rule's statement on the function, nil when missing
}

// read loads the rule, its tags, targets and its grant on fn; nil when the rule does not
// exist.
func read(ctx context.Context, a API, name, fn string) (*live, error) {
	out, err := a.Events.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String(name)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l := &live{arn: aws.ToString(out.Arn), state: string(out.State), schedule: aws.ToString(out.ScheduleExpression)}
	if out.EventPattern != nil {
		l.pattern = canonical(aws.ToString(out.EventPattern))
	}
	tags, err := a.Events.ListTagsForResource(ctx, &eb.ListTagsForResourceInput{ResourceARN: out.Arn})
	if err != nil {
		return nil, err
	}
	l.tags = make(map[string]string, len(tags.Tags))
	for _, t := range tags.Tags {
		l.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	targets, err := a.Events.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String(name)})
	if err != nil {
		return nil, err
	}
	l.targets = targets.Targets
	if fn != "" {
		l.grant, err = readGrant(ctx, a.Lambda, fn, name)
	}
	return l, err
}

// readGrant finds the rule's statement on fn's policy; nil when there is none (or no
// function).
func readGrant(ctx context.Context, a LambdaAPI, fn, rule string) (*lambdapolicy.Statement, error) {
	out, err := a.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String(fn)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	stmts, err := lambdapolicy.Parse(aws.ToString(out.Policy))
	if err != nil {
		return nil, err
	}
	for i := range stmts {
		if stmts[i].Sid == lambdapolicy.EventRuleSid(rule) {
			return &stmts[i], nil
		}
	}
	return nil, nil
}

func diff(w want, l *live) provision.Diffs {
	var d provision.Diffs
	d.Add("pattern", w.pattern, l.pattern)
	d.Add("schedule", w.schedule, l.schedule)
	d.Add("state", types.RuleStateEnabled, l.state)
	d.Add("targets", describeTargets([]types.Target{w.target()}), describeTargets(l.targets))
	if w.function != "" {
		d.Add("invoke permission", "lambda:InvokeFunction for "+lambdapolicy.EventRulePrincipal+" from "+l.arn, describeGrant(l))
	}
	return d
}

// target is berth's one target of the rule.
func (w want) target() types.Target {
	t := types.Target{Id: aws.String(targetID), Arn: aws.String(w.targetArn())}
	if w.role != "" {
		t.RoleArn = aws.String(w.role)
	}
	if w.input != "" {
		t.Input = aws.String(w.input)
	}
	return t
}

// targetsExact: the rule has exactly berth's target, delivering the event unchanged (or,
// on a scheduled rule, berth's event), with no other parameters.
func targetsExact(w want, ts []types.Target) bool {
	if len(ts) != 1 {
		return false
	}
	t, x := w.target(), ts[0]
	return aws.ToString(x.Id) == targetID && aws.ToString(x.Arn) == aws.ToString(t.Arn) &&
		aws.ToString(x.RoleArn) == aws.ToString(t.RoleArn) && aws.ToString(x.Input) == aws.ToString(t.Input) &&
		(x.Input != nil) == (t.Input != nil) && x.InputPath == nil && x.InputTransformer == nil && x.HttpParameters == nil &&
		x.RetryPolicy == nil && x.DeadLetterConfig == nil
}

func describeTargets(ts []types.Target) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += ", "
		}
		out += aws.ToString(t.Id) + "=" + aws.ToString(t.Arn)
		switch {
		case t.InputPath != nil || t.InputTransformer != nil:
			out += " (event rewritten)"
		case t.Input != nil:
			out += " with input " + aws.ToString(t.Input)
		}
		if t.HttpParameters != nil || t.RetryPolicy != nil || t.DeadLetterConfig != nil {
			out += " (with parameters berth does not set)"
		}
		if t.RoleArn != nil {
			out += " as " + aws.ToString(t.RoleArn)
		}
	}
	if out == "" {
		return "(none)"
	}
	return out
}

func grantExact(l *live) bool {
	return l.grant != nil && lambdapolicy.IsEventRuleGrant(*l.grant) && l.grant.SourceArns[0] == l.arn
}

func describeGrant(l *live) string {
	switch {
	case l.grant == nil:
		return "missing"
	case grantExact(l):
		return "lambda:InvokeFunction for " + lambdapolicy.EventRulePrincipal + " from " + l.arn
	}
	return "statement " + l.grant.Sid + " differs"
}

// putRule makes the rule, its grant and its target exact; l is the live rule, nil when
// there is none.
func putRule(ctx context.Context, c *ruleCall, l *live) (provision.Outputs, error) {
	env, r, w, a := c.Env, c.R, c.Props, c.API
	if l == nil || l.pattern != w.pattern || l.schedule != w.schedule || l.state != string(types.RuleStateEnabled) {
		in := &eb.PutRuleInput{Name: aws.String(r.Name), State: types.RuleStateEnabled,
			Description: aws.String("berth " + env.App + "/" + env.Stage + " " + r.ID)}
		if w.schedule != "" {
			in.ScheduleExpression = aws.String(w.schedule)
		} else {
			in.EventPattern = aws.String(w.pattern)
		}
		if l == nil { // PutRule tags only a new rule
			in.Tags = tagList(provision.Tags(env, r))
		}
		out, err := a.Events.PutRule(ctx, in)
		if err != nil {
			return nil, err
		}
		if l == nil {
			l = &live{}
		}
		l.arn = aws.ToString(out.RuleArn)
	}
	if w.function != "" && !grantExact(l) {
		if err := putGrant(ctx, a.Lambda, w.function, r.Name, l.arn, l.grant != nil); err != nil {
			return nil, err
		}
	}
	if !targetsExact(w, l.targets) {
		if err := putTarget(ctx, a.Events, r.Name, w.target(), l.targets); err != nil {
			return nil, err
		}
	}
	return outputs(r.Name, l.arn), nil
}

// putGrant (re)writes the rule's statement on the function's policy.
func putGrant(ctx context.Context, a LambdaAPI, fn, rule, ruleArn string, replace bool) error {
	sid := lambdapolicy.EventRuleSid(rule)
	if replace {
		if err := removeGrant(ctx, a, fn, rule); err != nil {
			return err
		}
	}
	_, err := a.AddPermission(ctx, &awslambda.AddPermissionInput{
		FunctionName: aws.String(fn), StatementId: aws.String(sid), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String(lambdapolicy.EventRulePrincipal), SourceArn: aws.String(ruleArn),
	})
	return err
}

func removeGrant(ctx context.Context, a LambdaAPI, fn, rule string) error {
	_, err := a.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String(fn), StatementId: aws.String(lambdapolicy.EventRuleSid(rule))})
	if isNotFound(err) {
		return nil
	}
	return err
}

// putTarget leaves berth's target as the rule's only one.
func putTarget(ctx context.Context, a EventsAPI, rule string, t types.Target, cur []types.Target) error {
	var stale []string
	for _, t := range cur {
		if aws.ToString(t.Id) != targetID {
			stale = append(stale, aws.ToString(t.Id))
		}
	}
	if err := removeTargets(ctx, a, rule, stale); err != nil {
		return err
	}
	out, err := a.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String(rule), Targets: []types.Target{t}})
	if err == nil && out.FailedEntryCount > 0 {
		return &provision.RejectedError{Kind: string(plan.KindEventRule), Name: rule, Op: "put targets", Cause: failed(out.FailedEntries)}
	}
	return err
}

func removeTargets(ctx context.Context, a EventsAPI, rule string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := a.RemoveTargets(ctx, &eb.RemoveTargetsInput{Rule: aws.String(rule), Ids: ids})
	if isNotFound(err) {
		return nil
	}
	return err
}

func failed(es []types.PutTargetsResultEntry) string {
	out := ""
	for _, e := range es {
		out += aws.ToString(e.TargetId) + ": " + aws.ToString(e.ErrorCode) + " " + aws.ToString(e.ErrorMessage) + "; "
	}
	return out
}

// removeRule removes the rule's targets, its grant, then the rule.
func removeRule(ctx context.Context, c *ruleCall, l *live) error {
	ids := make([]string, 0, len(l.targets))
	for _, t := range l.targets {
		ids = append(ids, aws.ToString(t.Id))
	}
	if err := removeTargets(ctx, c.API.Events, c.R.Name, ids); err != nil {
		return err
	}
	if c.Props.function != "" {
		if err := removeGrant(ctx, c.API.Lambda, c.Props.function, c.R.Name); err != nil {
			return err
		}
	}
	_, err := c.API.Events.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String(c.R.Name)})
	return err
}

// canonical re-encodes a JSON event pattern with sorted keys, so that the same pattern
// compares equal however EventBridge spaces it; text that is not JSON stays as it is.
func canonical(pattern string) string {
	var v any
	if err := json.Unmarshal([]byte(pattern), &v); err != nil {
		return pattern
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func tagList(m map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func outputs(name, arn string) provision.Outputs {
	return provision.Outputs{plan.AttrName: name, plan.AttrArn: arn}
}

func isNotFound(err error) bool { return provision.ErrorCode(err) == "ResourceNotFoundException" }
