package scheduler

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// liveSchedule is a schedule and whether its group is berth's.
type liveSchedule struct {
	*sch.GetScheduleOutput
	owned bool
}

type scheduleCall = provision.Call[API, want]

// NewSchedule returns the provisioner of plan.KindSchedule: the schedule named r.Name in
// berth's group, invoking its target with the role and input in its props. A schedule
// cannot carry tags: it is berth's when its group is.
func NewSchedule(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, want, liveSchedule]{
		Clients: clients,
		Desired: resolve,
		Find: func(ctx context.Context, c *scheduleCall) (*liveSchedule, error) {
			live, err := c.API.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String(c.R.Name), GroupName: aws.String(c.Props.group)})
			if err != nil {
				return nil, err
			}
			ok, err := owned(ctx, c.API, c.Env, c.Props.group)
			return &liveSchedule{live, ok}, err
		},
		Owned: func(_ *scheduleCall, live *liveSchedule) bool { return live.owned },
		Diff: func(_ context.Context, c *scheduleCall, live *liveSchedule) (provision.Diffs, error) {
			return diff(c.Props, live.GetScheduleOutput), nil
		},
		Outputs: func(c *scheduleCall, live *liveSchedule) provision.Outputs {
			return scheduleOutputs(c.R.Name, live.Arn)
		},
		// A schedule goes only into a group berth owns, so the group is checked first.
		Create: func(ctx context.Context, c *scheduleCall) (provision.Outputs, error) {
			ok, err := owned(ctx, c.API, c.Env, c.Props.group)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, c.NotOwned()
			}
			w := c.Props
			out, err := c.API.CreateSchedule(ctx, &sch.CreateScheduleInput{
				Name: aws.String(c.R.Name), GroupName: aws.String(w.group), ScheduleExpression: aws.String(w.expression),
				FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
				Target:             target(w), State: types.ScheduleStateEnabled,
			})
			if err != nil {
				return nil, err
			}
			return scheduleOutputs(c.R.Name, out.ScheduleArn), nil
		},
		// UpdateSchedule takes the whole definition.
		Converge: func(ctx context.Context, c *scheduleCall, _ *liveSchedule, _ provision.Diffs) (provision.Outputs, error) {
			w := c.Props
			out, err := c.API.UpdateSchedule(ctx, &sch.UpdateScheduleInput{
				Name: aws.String(c.R.Name), GroupName: aws.String(w.group), ScheduleExpression: aws.String(w.expression),
				FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
				Target:             target(w), State: types.ScheduleStateEnabled,
			})
			if err != nil {
				return nil, err
			}
			return scheduleOutputs(c.R.Name, out.ScheduleArn), nil
		},
		Remove: func(ctx context.Context, c *scheduleCall, _ *liveSchedule) error {
			_, err := c.API.DeleteSchedule(ctx, &sch.DeleteScheduleInput{Name: aws.String(c.R.Name), GroupName: aws.String(c.Props.group)})
			return err
		},
	})
}

// want is a schedule's desired settings with refs resolved.
type want struct {
	group, expression, target, role, input string
}

func resolve(_ context.Context, c *scheduleCall) (want, error) {
	env, r := c.Env, c.R
	p, err := provision.Decode[plan.ScheduleProps](r)
	if err != nil {
		return want{}, err
	}
	w := want{expression: p.Expression, input: p.Input}
	for _, f := range []struct {
		dst *string
		ref plan.Ref
	}{{&w.group, p.Group}, {&w.target, p.Target}, {&w.role, p.Role}} {
		if *f.dst, err = env.Refs.Resolve(f.ref); err != nil {
			return want{}, err
		}
	}
	return w, nil
}

// owned reports whether the group is berth's group for this app/stage.
func owned(ctx context.Context, a API, env provision.Env, group string) (bool, error) {
	live, err := readGroup(ctx, a, group)
	if err != nil || live == nil {
		return false, err
	}
	return provision.Owned(env, plan.Resource{ID: plan.IDScheduleGroup}, live.tags), nil
}

func diff(w want, live *sch.GetScheduleOutput) provision.Diffs {
	var d provision.Diffs
	d.Add("expression", w.expression, aws.ToString(live.ScheduleExpression))
	d.Add("state", types.ScheduleStateEnabled, live.State)
	var t types.Target
	if live.Target != nil {
		t = *live.Target
	}
	d.Add("target", w.target, aws.ToString(t.Arn))
	d.Add("role", w.role, aws.ToString(t.RoleArn))
	d.Add("input", w.input, aws.ToString(t.Input))
	return d
}

func target(w want) *types.Target {
	return &types.Target{Arn: aws.String(w.target), RoleArn: aws.String(w.role), Input: aws.String(w.input)}
}

func scheduleOutputs(name string, arn *string) provision.Outputs {
	return provision.Outputs{plan.AttrName: name, plan.AttrArn: aws.ToString(arn)}
}
