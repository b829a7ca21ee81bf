package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const testRegion = "eu-west-1"

// moto is one test's clients: the provisioner's, counted, and a raw one for setup and
// out-of-band changes.
type moto struct {
	calls   *awscalls.Counter
	clients ClientFactory
	raw     *cwl.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), testRegion)
	if err != nil {
		t.Fatal(err)
	}
	raw := cwl.NewFromConfig(cfg.Copy())
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &moto{calls: calls, clients: Clients(cfg), raw: raw}
}

var unique atomic.Int64

func groupResource(t *testing.T, name string, days int) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(plan.LogGroupProps{RetentionDays: days})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: "api/LogGroup", Kind: plan.KindLogGroup, Name: name, Region: testRegion, Props: raw}
}

func groupName() string { return fmt.Sprintf("/aws/lambda/berth-shop-dev-api-fn-%d", unique.Add(1)) }

var env = provision.Env{App: "shop", Stage: "dev", Account: motoserver.Account, Region: testRegion}

func TestLogGroupLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	name := groupName()
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewLogGroup(m.clients),
		Env:           env,
		Calls:         m.calls,
		Initial:       groupResource(t, name, 7),
		Updated:       groupResource(t, name, 30),
		UpdatedFields: []string{"retentionDays"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(14)})
			return err
		},
		DriftField: "retentionDays",
	})
}

func TestLogGroupNotOwnedIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	name := groupName()
	// What Lambda does when a function logs before berth made its group: an untagged group.
	provtest.NotOwned(t, NewLogGroup(m.clients), env, groupResource(t, name, 7), func(ctx context.Context) error {
		_, err := m.raw.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(name)})
		return err
	})
}

func TestLogGroupRetention(t *testing.T) {
	tests := []struct {
		name     string
		from, to int
	}{
		{"zero days removes the retention policy (never expire)", 7, 0},
		{"a retention is added to a group that never expired", 0, 14},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMoto(t)
			ctx := context.Background()
			name := groupName()
			g := NewLogGroup(m.clients)
			if _, err := g.Create(ctx, env, groupResource(t, name, tc.from)); err != nil {
				t.Fatal(err)
			}
			obs, err := g.Observe(ctx, env, groupResource(t, name, tc.to))
			if err != nil {
				t.Fatal(err)
			}
			provtest.AssertFields(t, "before update", obs.Diff, []string{"retentionDays"})
			if _, err := g.Update(ctx, env, groupResource(t, name, tc.to)); err != nil {
				t.Fatal(err)
			}
			if obs, err = g.Observe(ctx, env, groupResource(t, name, tc.to)); err != nil || !obs.UpToDate() {
				t.Fatalf("after update: %+v, %v", obs, err)
			}
		})
	}
}

func TestLogGroupOutputsNameAndArnWithoutTheStreamWildcard(t *testing.T) {
	m := newMoto(t)
	name := groupName()
	out, err := NewLogGroup(m.clients).Create(context.Background(), env, groupResource(t, name, 7))
	if err != nil {
		t.Fatal(err)
	}
	s := m.calls.Summary()
	t.Logf("one log group create: %d mutating, %d read: %+v", s.Mutating, s.Read, s.Ops)
	if s.Mutating != 2 || s.Read != 1 {
		t.Fatalf("one log group create made %d mutating and %d read calls, want 2 and 1", s.Mutating, s.Read)
	}
	if out[plan.AttrName] != name || out[plan.AttrArn] != "arn:aws:logs:"+testRegion+":"+motoserver.Account+":log-group:"+name || strings.HasSuffix(out[plan.AttrArn], ":*") {
		t.Fatalf("outputs %v", out)
	}
}
