package logs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the CloudWatch Logs SDK client LogGroup calls; the real
// *cloudwatchlogs.Client satisfies it.
type API interface {
	DescribeLogGroups(ctx context.Context, in *cwl.DescribeLogGroupsInput, opts ...func(*cwl.Options)) (*cwl.DescribeLogGroupsOutput, error)
	ListTagsForResource(ctx context.Context, in *cwl.ListTagsForResourceInput, opts ...func(*cwl.Options)) (*cwl.ListTagsForResourceOutput, error)
	CreateLogGroup(ctx context.Context, in *cwl.CreateLogGroupInput, opts ...func(*cwl.Options)) (*cwl.CreateLogGroupOutput, error)
	PutRetentionPolicy(ctx context.Context, in *cwl.PutRetentionPolicyInput, opts ...func(*cwl.Options)) (*cwl.PutRetentionPolicyOutput, error)
	DeleteRetentionPolicy(ctx context.Context, in *cwl.DeleteRetentionPolicyInput, opts ...func(*cwl.Options)) (*cwl.DeleteRetentionPolicyOutput, error)
	DeleteLogGroup(ctx context.Context, in *cwl.DeleteLogGroupInput, opts ...func(*cwl.Options)) (*cwl.DeleteLogGroupOutput, error)
}

// ClientFactory returns the CloudWatch Logs client for a region; it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		return cwl.NewFromConfig(cfg, func(o *cwl.Options) { o.Region = region })
	})
}

// Register adds plan.KindLogGroup to reg.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindLogGroup] = NewLogGroup(clients)
}

// LogGroup provisions plan.KindLogGroup: the log group named r.Name.
type LogGroup struct {
	clients ClientFactory
}

// NewLogGroup returns the log group provisioner.
func NewLogGroup(clients ClientFactory) *LogGroup { return &LogGroup{clients: clients} }

// liveGroup is a log group and its tags.
type liveGroup struct {
	group types.LogGroup
	tags  map[string]string
}

// Observe implements provision.Provisioner.
func (l *LogGroup) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	live, err := read(ctx, l.api(env, r), r.Name)
	if err != nil || live == nil {
		return provision.Observation{}, classify(err, "observe", r)
	}
	if !provision.Owned(env, r, live.tags) {
		return foreignObservation(env, r, live.tags), nil
	}
	props, err := decode(r)
	if err != nil {
		return provision.Observation{}, err
	}
	return provision.Observation{Exists: true, Ready: true, Diff: diff(props, live), Outputs: outputs(live.group)}, nil
}

// Create implements provision.Provisioner.
func (l *LogGroup) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return l.apply(ctx, env, r, "create")
}

// Update implements provision.Provisioner.
func (l *LogGroup) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return l.apply(ctx, env, r, "update")
}

func (l *LogGroup) apply(ctx context.Context, env provision.Env, r plan.Resource, op string) (provision.Outputs, error) {
	props, err := decode(r)
	if err != nil {
		return nil, err
	}
	api := l.api(env, r)
	live, err := read(ctx, api, r.Name)
	if err != nil {
		return nil, classify(err, op, r)
	}
	if live == nil {
		return l.create(ctx, env, r, api, props)
	}
	if !provision.Owned(env, r, live.tags) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	if len(diff(props, live)) > 0 {
		if err := setRetention(ctx, api, r.Name, props.RetentionDays); err != nil {
			return nil, classify(err, op, r)
		}
	}
	return outputs(live.group), nil
}

// create makes the group, tagged, then sets its retention. A group that appeared in
// between (Lambda creates its own when a function logs first) is re-read so the
// ownership check decides.
func (l *LogGroup) create(ctx context.Context, env provision.Env, r plan.Resource, api API, props plan.LogGroupProps) (provision.Outputs, error) {
	_, err := api.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(r.Name), Tags: provision.Tags(env, r)})
	if provision.ErrorCode(err) == "ResourceAlreadyExistsException" {
		live, rerr := read(ctx, api, r.Name)
		if rerr == nil && live != nil && !provision.Owned(env, r, live.tags) {
			return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
		}
		err = nil
	}
	if err != nil {
		return nil, classify(err, "create", r)
	}
	if props.RetentionDays > 0 {
		if err := setRetention(ctx, api, r.Name, props.RetentionDays); err != nil {
			return nil, classify(err, "create", r)
		}
	}
	if env.Account != "" {
		return provision.Outputs{plan.AttrName: r.Name, plan.AttrArn: arnOf(env.Account, l.region(env, r), r.Name)}, nil
	}
	g, err := describe(ctx, api, r.Name)
	if err != nil || g == nil {
		return provision.Outputs{plan.AttrName: r.Name}, classify(err, "create", r)
	}
	return outputs(*g), nil
}

// Delete implements provision.Provisioner.
func (l *LogGroup) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	api := l.api(env, r)
	live, err := read(ctx, api, r.Name)
	if err != nil || live == nil {
		return classify(err, "delete", r)
	}
	if !provision.Owned(env, r, live.tags) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = api.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(r.Name)})
	if isNotFound(err) {
		return nil
	}
	return classify(err, "delete", r)
}

func (l *LogGroup) api(env provision.Env, r plan.Resource) API {
	return l.clients(l.region(env, r))
}

func (l *LogGroup) region(env provision.Env, r plan.Resource) string {
	if r.Region != "" {
		return r.Region
	}
	return env.Region
}

// read finds the group and its tags; nil when there is none.
func read(ctx context.Context, api API, name string) (*liveGroup, error) {
	g, err := describe(ctx, api, name)
	if err != nil || g == nil {
		return nil, err
	}
	out, err := api.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(groupArn(*g))})
	if err != nil {
		return nil, err
	}
	return &liveGroup{group: *g, tags: out.Tags}, nil
}

// describe finds the group with exactly this name (DescribeLogGroups matches by prefix);
// nil when there is none.
func describe(ctx context.Context, api API, name string) (*types.LogGroup, error) {
	pages := cwl.NewDescribeLogGroupsPaginator(api, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.LogGroups {
			if aws.ToString(g.LogGroupName) == name {
				return &g, nil
			}
		}
	}
	return nil, nil
}

// arnOf is a log group's ARN, which CloudWatch Logs derives from account, region and name.
func arnOf(account, region, name string) string {
	return "arn:" + partition(region) + ":logs:" + region + ":" + account + ":log-group:" + name
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// setRetention sets the retention; 0 means never expire, which is no retention policy.
func setRetention(ctx context.Context, api API, name string, days int) error {
	if days <= 0 {
		_, err := api.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String(name)})
		return err
	}
	_, err := api.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(int32(days))})
	return err
}

func diff(props plan.LogGroupProps, live *liveGroup) []provision.FieldDiff {
	want := max(props.RetentionDays, 0)
	got := int(aws.ToInt32(live.group.RetentionInDays))
	if want == got {
		return nil
	}
	return []provision.FieldDiff{{Field: "retentionDays", Desired: days(want), Actual: days(got)}}
}

func days(n int) string {
	if n == 0 {
		return "never expire"
	}
	return strconv.Itoa(n)
}

// groupArn is the group's ARN without the ":*" DescribeLogGroups appends to Arn.
func groupArn(g types.LogGroup) string {
	if a := aws.ToString(g.LogGroupArn); a != "" {
		return a
	}
	return strings.TrimSuffix(aws.ToString(g.Arn), ":*")
}

func outputs(g types.LogGroup) provision.Outputs {
	return provision.Outputs{plan.AttrName: aws.ToString(g.LogGroupName), plan.AttrArn: groupArn(g)}
}

func decode(r plan.Resource) (plan.LogGroupProps, error) {
	var p plan.LogGroupProps
	if err := json.Unmarshal(r.Props, &p); err != nil {
		return p, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "decode props", Cause: err.Error()}
	}
	return p, nil
}

func isNotFound(err error) bool { return provision.ErrorCode(err) == "ResourceNotFoundException" }

func classify(err error, op string, r plan.Resource) error {
	return provision.Classify(err, op, string(r.Kind), r.Name)
}

// foreignObservation describes a group that has the expected name but is not berth's.
// Observe stays read-only and error-free; the "ownership" entry keeps it from ever looking
// up to date, and Create, Update and Delete refuse it with *provision.NotOwnedError.
func foreignObservation(env provision.Env, r plan.Resource, tags map[string]string) provision.Observation {
	render := func(app, stage, res string) string {
		return provision.TagApp + "=" + app + "," + provision.TagStage + "=" + stage + "," + provision.TagResource + "=" + res
	}
	return provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{
		Field:   "ownership",
		Desired: render(env.App, env.Stage, r.ID),
		Actual:  render(tags[provision.TagApp], tags[provision.TagStage], tags[provision.TagResource]),
	}}}
}
