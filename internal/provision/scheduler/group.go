package scheduler

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the EventBridge Scheduler SDK client this package calls; the real
// *scheduler.Client satisfies it.
type API interface {
	CreateScheduleGroup(ctx context.Context, in *sch.CreateScheduleGroupInput, opts ...func(*sch.Options)) (*sch.CreateScheduleGroupOutput, error)
	GetScheduleGroup(ctx context.Context, in *sch.GetScheduleGroupInput, opts ...func(*sch.Options)) (*sch.GetScheduleGroupOutput, error)
	DeleteScheduleGroup(ctx context.Context, in *sch.DeleteScheduleGroupInput, opts ...func(*sch.Options)) (*sch.DeleteScheduleGroupOutput, error)
	ListTagsForResource(ctx context.Context, in *sch.ListTagsForResourceInput, opts ...func(*sch.Options)) (*sch.ListTagsForResourceOutput, error)
	CreateSchedule(ctx context.Context, in *sch.CreateScheduleInput, opts ...func(*sch.Options)) (*sch.CreateScheduleOutput, error)
	GetSchedule(ctx context.Context, in *sch.GetScheduleInput, opts ...func(*sch.Options)) (*sch.GetScheduleOutput, error)
	UpdateSchedule(ctx context.Context, in *sch.UpdateScheduleInput, opts ...func(*sch.Options)) (*sch.UpdateScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *sch.DeleteScheduleInput, opts ...func(*sch.Options)) (*sch.DeleteScheduleOutput, error)
}

// ClientFactory returns the Scheduler client for a region; it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		return sch.NewFromConfig(cfg, func(o *sch.Options) { o.Region = region })
	})
}

// Register adds plan.KindScheduleGroup and plan.KindSchedule to reg.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindScheduleGroup] = NewGroup(clients)
	reg[plan.KindSchedule] = NewSchedule(clients)
}

// liveGroup is a group that is not being deleted, with its tags.
type liveGroup struct {
	arn  string
	tags map[string]string
}

type groupCall = provision.Call[API, plan.ScheduleGroupProps]

// NewGroup returns the provisioner of plan.KindScheduleGroup: the group named r.Name,
// tagged. A group has nothing to update beyond its name. Scheduler deletes the group's
// schedules with it, asynchronously (the group reads DELETING meanwhile, which counts as
// gone).
func NewGroup(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, plan.ScheduleGroupProps, liveGroup]{
		Clients: clients,
		Find:    func(ctx context.Context, c *groupCall) (*liveGroup, error) { return readGroup(ctx, c.API, c.R.Name) },
		Owned:   func(c *groupCall, live *liveGroup) bool { return provision.Owned(c.Env, c.R, live.tags) },
		Outputs: func(c *groupCall, live *liveGroup) provision.Outputs { return groupOutputs(c.R.Name, live.arn) },
		Create: func(ctx context.Context, c *groupCall) (provision.Outputs, error) {
			out, err := c.API.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String(c.R.Name), Tags: tagList(provision.Tags(c.Env, c.R))})
			if err != nil {
				return nil, err
			}
			return groupOutputs(c.R.Name, aws.ToString(out.ScheduleGroupArn)), nil
		},
		Remove: func(ctx context.Context, c *groupCall, _ *liveGroup) error {
			_, err := c.API.DeleteScheduleGroup(ctx, &sch.DeleteScheduleGroupInput{Name: aws.String(c.R.Name)})
			return err
		},
	})
}

// readGroup finds an active group and its tags; nil when there is none or it is being
// deleted.
func readGroup(ctx context.Context, a API, name string) (*liveGroup, error) {
	out, err := a.GetScheduleGroup(ctx, &sch.GetScheduleGroupInput{Name: aws.String(name)})
	if provision.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if out.State == types.ScheduleGroupStateDeleting {
		return nil, nil
	}
	tags, err := a.ListTagsForResource(ctx, &sch.ListTagsForResourceInput{ResourceArn: out.Arn})
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(tags.Tags))
	for _, t := range tags.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return &liveGroup{arn: aws.ToString(out.Arn), tags: m}, nil
}

func groupOutputs(name, arn string) provision.Outputs {
	return provision.Outputs{plan.AttrName: name, plan.AttrArn: arn}
}

func tagList(m map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}
