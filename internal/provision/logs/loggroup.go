package logs

import (
	"context"
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

// liveGroup is a log group and its tags.
type liveGroup struct {
	group types.LogGroup
	tags  map[string]string
}

type call = provision.Call[API, plan.LogGroupProps]

// NewLogGroup returns the provisioner of plan.KindLogGroup: the log group named r.Name.
func NewLogGroup(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, plan.LogGroupProps, liveGroup]{
		Clients: clients,
		Find:    func(ctx context.Context, c *call) (*liveGroup, error) { return read(ctx, c.API, c.R.Name) },
		Owned:   func(c *call, live *liveGroup) bool { return provision.Owned(c.Env, c.R, live.tags) },
		Diff: func(_ context.Context, c *call, live *liveGroup) (provision.Diffs, error) {
			return diff(c.Props, live), nil
		},
		Outputs: func(_ *call, live *liveGroup) provision.Outputs { return outputs(live.group) },
		Create:  create,
		Converge: func(ctx context.Context, c *call, live *liveGroup, _ provision.Diffs) (provision.Outputs, error) {
			return outputs(live.group), setRetention(ctx, c.API, c.R.Name, c.Props.RetentionDays)
		},
		Remove: func(ctx context.Context, c *call, _ *liveGroup) error {
			_, err := c.API.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(c.R.Name)})
			return err
		},
	})
}

// create makes the group, tagged, then sets its retention. A group that appeared in
// between (Lambda creates its own when a function logs first) is re-read so the
// ownership check decides.
func create(ctx context.Context, c *call) (provision.Outputs, error) {
	api, r := c.API, c.R
	_, err := api.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(r.Name), Tags: provision.Tags(c.Env, r)})
	if provision.ErrorCode(err) == "ResourceAlreadyExistsException" {
		live, rerr := read(ctx, api, r.Name)
		if rerr == nil && live != nil && !provision.Owned(c.Env, r, live.tags) {
			return nil, c.NotOwned()
		}
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if c.Props.RetentionDays > 0 {
		if err := setRetention(ctx, api, r.Name, c.Props.RetentionDays); err != nil {
			return nil, err
		}
	}
	if c.Env.Account != "" {
		return provision.Outputs{plan.AttrName: r.Name, plan.AttrArn: arnOf(c.Env.Account, provision.RegionOf(c.Env, r), r.Name)}, nil
	}
	g, err := describe(ctx, api, r.Name)
	if err != nil || g == nil {
		return provision.Outputs{plan.AttrName: r.Name}, err
	}
	return outputs(*g), nil
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

func diff(props plan.LogGroupProps, live *liveGroup) provision.Diffs {
	want := max(props.RetentionDays, 0)
	got := int(aws.ToInt32(live.group.RetentionInDays))
	if want == got {
		return nil
	}
	return provision.Diffs{{Field: "retentionDays", Desired: days(want), Actual: days(got)}}
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
