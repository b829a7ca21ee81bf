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
	reg[plan.KindScheduleGroup] = &Group{clients: clients}
	reg[plan.KindSchedule] = &Schedule{clients: clients}
}

// Group provisions plan.KindScheduleGroup: the group named r.Name, tagged.
type Group struct{ clients ClientFactory }

// liveGroup is a group that is not being deleted, with its tags.
type liveGroup struct {
	arn  string
	tags map[string]string
}

// Observe implements provision.Provisioner.
func (g *Group) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	live, err := readGroup(ctx, api(g.clients, env, r), r.Name)
	if err != nil || live == nil {
		return provision.Observation{}, classify(err, "observe", r)
	}
	if !provision.Owned(env, r, live.tags) {
		return provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{provision.NotOwnedDiff(env, r)}}, nil
	}
	return provision.Observation{Exists: true, Ready: true, Outputs: groupOutputs(r.Name, live.arn)}, nil
}

// Create implements provision.Provisioner. A group has nothing to update beyond its
// name, so Create of an owned group is a no-op.
func (g *Group) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	a := api(g.clients, env, r)
	live, err := readGroup(ctx, a, r.Name)
	if err != nil {
		return nil, classify(err, "create", r)
	}
	if live != nil {
		if !provision.Owned(env, r, live.tags) {
			return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
		}
		return groupOutputs(r.Name, live.arn), nil
	}
	out, err := a.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String(r.Name), Tags: tagList(provision.Tags(env, r))})
	if err != nil {
		return nil, classify(err, "create", r)
	}
	return groupOutputs(r.Name, aws.ToString(out.ScheduleGroupArn)), nil
}

// Update implements provision.Provisioner.
func (g *Group) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return g.Create(ctx, env, r)
}

// Delete implements provision.Provisioner. Scheduler deletes the group's schedules with
// it, asynchronously (the group reads DELETING meanwhile, which counts as gone).
func (g *Group) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	a := api(g.clients, env, r)
	live, err := readGroup(ctx, a, r.Name)
	if err != nil || live == nil {
		return classify(err, "delete", r)
	}
	if !provision.Owned(env, r, live.tags) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = a.DeleteScheduleGroup(ctx, &sch.DeleteScheduleGroupInput{Name: aws.String(r.Name)})
	if isNotFound(err) {
		return nil
	}
	return classify(err, "delete", r)
}

// readGroup finds an active group and its tags; nil when there is none or it is being
// deleted.
func readGroup(ctx context.Context, a API, name string) (*liveGroup, error) {
	out, err := a.GetScheduleGroup(ctx, &sch.GetScheduleGroupInput{Name: aws.String(name)})
	if isNotFound(err) {
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

func api(clients ClientFactory, env provision.Env, r plan.Resource) API {
	if r.Region != "" {
		return clients(r.Region)
	}
	return clients(env.Region)
}

func isNotFound(err error) bool { return provision.ErrorCode(err) == "ResourceNotFoundException" }

func classify(err error, op string, r plan.Resource) error {
	return provision.Classify(err, op, string(r.Kind), r.Name)
}
