package scheduler

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Schedule provisions plan.KindSchedule: the schedule named r.Name in berth's group,
// invoking its target with the role and input in its props.
type Schedule struct{ clients ClientFactory }

// want is a schedule's desired settings with refs resolved.
type want struct {
	group, expression, target, role, input string
}

func resolve(env provision.Env, r plan.Resource) (want, error) {
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

// owned reports whether the schedule's group is berth's group for this app/stage: a
// schedule cannot carry tags itself.
func owned(ctx context.Context, a API, env provision.Env, group string) (bool, error) {
	live, err := readGroup(ctx, a, group)
	if err != nil || live == nil {
		return false, err
	}
	return provision.Owned(env, plan.Resource{ID: plan.IDScheduleGroup}, live.tags), nil
}

// Observe implements provision.Provisioner.
func (s *Schedule) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := resolve(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	a := api(s.clients, env, r)
	live, err := a.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String(r.Name), GroupName: aws.String(w.group)})
	if isNotFound(err) {
		return provision.Observation{}, nil
	}
	if err != nil {
		return provision.Observation{}, classify(err, "observe", r)
	}
	ok, err := owned(ctx, a, env, w.group)
	if err != nil {
		return provision.Observation{}, classify(err, "observe", r)
	}
	if !ok {
		return provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{provision.NotOwnedDiff(env, r)}}, nil
	}
	return provision.Observation{Exists: true, Ready: true, Diff: diff(w, live), Outputs: scheduleOutputs(r.Name, live.Arn)}, nil
}

func diff(w want, live *sch.GetScheduleOutput) []provision.FieldDiff {
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

// Create implements provision.Provisioner.
func (s *Schedule) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return s.apply(ctx, env, r, "create")
}

// Update implements provision.Provisioner.
func (s *Schedule) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return s.apply(ctx, env, r, "update")
}

// apply creates the schedule or, when it differs, replaces its settings (UpdateSchedule
// takes the whole definition).
func (s *Schedule) apply(ctx context.Context, env provision.Env, r plan.Resource, op string) (provision.Outputs, error) {
	w, err := resolve(env, r)
	if err != nil {
		return nil, err
	}
	a := api(s.clients, env, r)
	ok, err := owned(ctx, a, env, w.group)
	if err != nil {
		return nil, classify(err, op, r)
	}
	if !ok {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	live, err := a.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String(r.Name), GroupName: aws.String(w.group)})
	switch {
	case isNotFound(err):
		out, err := a.CreateSchedule(ctx, &sch.CreateScheduleInput{
			Name: aws.String(r.Name), GroupName: aws.String(w.group), ScheduleExpression: aws.String(w.expression),
			FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
			Target:             target(w), State: types.ScheduleStateEnabled,
		})
		if err != nil {
			return nil, classify(err, op, r)
		}
		return scheduleOutputs(r.Name, out.ScheduleArn), nil
	case err != nil:
		return nil, classify(err, op, r)
	case len(diff(w, live)) == 0:
		return scheduleOutputs(r.Name, live.Arn), nil
	}
	out, err := a.UpdateSchedule(ctx, &sch.UpdateScheduleInput{
		Name: aws.String(r.Name), GroupName: aws.String(w.group), ScheduleExpression: aws.String(w.expression),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             target(w), State: types.ScheduleStateEnabled,
	})
	if err != nil {
		return nil, classify(err, op, r)
	}
	return scheduleOutputs(r.Name, out.ScheduleArn), nil
}

// Delete implements provision.Provisioner. A schedule whose group is gone is gone too.
func (s *Schedule) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	w, err := resolve(env, r)
	if err != nil {
		return err
	}
	a := api(s.clients, env, r)
	ok, err := owned(ctx, a, env, w.group)
	if err != nil {
		return classify(err, "delete", r)
	}
	if !ok { // no group of berth's: gone with it, unless a foreign group holds this name
		_, err := a.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String(r.Name), GroupName: aws.String(w.group)})
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return classify(err, "delete", r)
		}
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = a.DeleteSchedule(ctx, &sch.DeleteScheduleInput{Name: aws.String(r.Name), GroupName: aws.String(w.group)})
	if isNotFound(err) {
		return nil
	}
	return classify(err, "delete", r)
}

func target(w want) *types.Target {
	return &types.Target{Arn: aws.String(w.target), RoleArn: aws.String(w.role), Input: aws.String(w.input)}
}

func scheduleOutputs(name string, arn *string) provision.Outputs {
	return provision.Outputs{plan.AttrName: name, plan.AttrArn: aws.ToString(arn)}
}
