package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const testRegion = "eu-west-1"

type moto struct {
	calls   *awscalls.Counter
	clients ClientFactory
	raw     *sch.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), testRegion)
	if err != nil {
		t.Fatal(err)
	}
	raw := sch.NewFromConfig(cfg.Copy())
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &moto{calls: calls, clients: Clients(cfg), raw: raw}
}

var unique atomic.Int64

const (
	fnArn   = "arn:aws:lambda:eu-west-1:123456789012:function:berth-shop-dev-jobs-fn-abc123"
	roleArn = "arn:aws:iam::123456789012:role/berth-shop-dev-jobs-sched-role-abc123"
)

func envFor(app string, group string) provision.Env {
	return provision.Env{App: app, Stage: "dev", Account: motoserver.Account, Region: testRegion, Refs: provision.OutputsByID{
		plan.IDScheduleGroup:                               {plan.AttrName: group},
		"jobs/" + plan.SuffixFunction:                      {plan.AttrArn: fnArn},
		plan.ContainerID("jobs", plan.SuffixSchedulerRole): {plan.AttrArn: roleArn},
	}}
}

func groupResource(name string) plan.Resource {
	return plan.Resource{ID: plan.IDScheduleGroup, Kind: plan.KindScheduleGroup, Name: name, Region: testRegion, Props: json.RawMessage(`{}`)}
}

func scheduleResource(t *testing.T, name, expr string) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(plan.ScheduleProps{
		Group: plan.Ref{ID: plan.IDScheduleGroup, Attr: plan.AttrName}, Expression: expr,
		Target: plan.Ref{ID: "jobs/" + plan.SuffixFunction, Attr: plan.AttrArn},
		Role:   plan.Ref{ID: plan.ContainerID("jobs", plan.SuffixSchedulerRole), Attr: plan.AttrArn},
		Input:  `{"source":"berth.schedule","integration":"nightly"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: plan.ScheduleID("jobs", "nightly"), Kind: plan.KindSchedule, Container: "jobs", Name: name, Region: testRegion, Props: raw}
}

func TestAScheduleGroupFollowsTheProvisionerContract(t *testing.T) {
	m := newMoto(t)
	name := fmt.Sprintf("berth-shop-dev-schedules-%d", unique.Add(1))
	g := NewGroup(m.clients)
	env := envFor("shop", name)
	ctx := context.Background()
	out, err := g.Create(ctx, env, groupResource(name))
	if err != nil || out[plan.AttrArn] == "" {
		t.Fatalf("create: %v %v", out, err)
	}
	before := m.calls.Summary().Mutating
	if _, err := g.Create(ctx, env, groupResource(name)); err != nil || m.calls.Summary().Mutating != before {
		t.Fatalf("create again: %v, %d mutating calls", err, m.calls.Summary().Mutating-before)
	}
	if obs := provtest.WaitReady(t, g, env, groupResource(name)); !obs.UpToDate() {
		t.Fatalf("observe: %+v", obs)
	}
	if err := g.Delete(ctx, env, groupResource(name)); err != nil {
		t.Fatal(err)
	}
	if obs, err := g.Observe(ctx, env, groupResource(name)); err != nil || obs.Exists {
		t.Fatalf("after delete: %+v %v", obs, err)
	}
	if err := g.Delete(ctx, env, groupResource(name)); err != nil {
		t.Fatalf("delete again: %v", err)
	}
}

func TestAScheduleGroupBerthDidNotTagIsNeverTouched(t *testing.T) {
	m := newMoto(t)
	name := fmt.Sprintf("foreign-schedules-%d", unique.Add(1))
	provtest.NotOwned(t, NewGroup(m.clients), envFor("shop", name), groupResource(name), func(ctx context.Context) error {
		_, err := m.raw.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String(name)})
		return err
	})
}

func TestAScheduleFollowsTheProvisionerContract(t *testing.T) {
	m := newMoto(t)
	group := fmt.Sprintf("berth-shop-dev-schedules-%d", unique.Add(1))
	env := envFor("shop", group)
	if _, err := NewGroup(m.clients).Create(context.Background(), env, groupResource(group)); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("berth-shop-dev-jobs-sched-nightly-%d", unique.Add(1))
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewSchedule(m.clients), Env: env, Calls: m.calls,
		Initial:       scheduleResource(t, name, "rate(5 minutes)"),
		Updated:       scheduleResource(t, name, "cron(0 3 * * ? *)"),
		UpdatedFields: []string{"expression"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw.UpdateSchedule(ctx, &sch.UpdateScheduleInput{
				Name: aws.String(name), GroupName: aws.String(group), ScheduleExpression: aws.String("cron(0 3 * * ? *)"),
				FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
				Target:             &types.Target{Arn: aws.String(fnArn), RoleArn: aws.String(roleArn), Input: aws.String(`{"forged":true}`)},
				State:              types.ScheduleStateEnabled,
			})
			return err
		},
		DriftField: "input",
	})
}

func TestAScheduleInAGroupBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	m := newMoto(t)
	group := fmt.Sprintf("foreign-group-%d", unique.Add(1))
	name := fmt.Sprintf("berth-shop-dev-jobs-sched-nightly-%d", unique.Add(1))
	provtest.NotOwned(t, NewSchedule(m.clients), envFor("shop", group), scheduleResource(t, name, "rate(5 minutes)"), func(ctx context.Context) error {
		if _, err := m.raw.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String(group)}); err != nil {
			return err
		}
		_, err := m.raw.CreateSchedule(ctx, &sch.CreateScheduleInput{
			Name: aws.String(name), GroupName: aws.String(group), ScheduleExpression: aws.String("rate(1 day)"),
			FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
			Target:             &types.Target{Arn: aws.String(fnArn), RoleArn: aws.String(roleArn)},
		})
		return err
	})
}
