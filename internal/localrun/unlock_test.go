package localrun

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/state"
)

// A deploy whose execution is stopped mid-apply (as a manual stop, or the history or
// payload limit, ends it on AWS, outside the state machine's Catch) is rolled back by the
// recovering execution the unlock rule starts: the account returns to the last good
// deployment and the lock is released.
func TestAnExecutionStoppedMidApplyIsRolledBackByTheUnlockRule(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	v1 := deploy(t, s, "day2/lambda-only.yml", "")
	wantStatus(t, v1, "SUCCEEDED")

	body, err := os.ReadFile("testdata/day2/lambda-only.yml")
	if err != nil {
		t.Fatal(err)
	}
	v2 := []byte(string(body) + `  admin:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-site:1.0
    routing:
      pathPattern: /admin/*
    compute:
      type: awsLambda
`)
	started := time.Now()
	if _, err := s.Env.Upload(ctx, "shop", "dev", v2, ""); err != nil {
		t.Fatal(err)
	}
	arns, err := s.Env.Trigger(ctx)
	if err != nil || len(arns) != 1 {
		t.Fatalf("trigger: %v, %v", arns, err)
	}
	x, err := s.Env.Describe(ctx, arns[0])
	if err != nil {
		t.Fatal(err)
	}
	waitForAppliedStep(t, s, x.Name)
	if _, err := sfn.NewFromConfig(s.Env.AWS).StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arns[0]),
		Error: aws.String("Manual"), Cause: aws.String("stopped by the test mid-apply")}); err != nil {
		t.Fatal(err)
	}

	r, err := s.finish(ctx, "deploy", "shop", "dev", "v2", "", arns[0], started)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r, "ROLLED_BACK")
	// AWS reports a stopped execution as ABORTED; moto's interpreter may report it FAILED
	// when a task was in flight. Either way the recovery names it.
	if !strings.HasPrefix(r.Error, "Execution") || !strings.Contains(r.Error, "outside berth's rollback") {
		t.Errorf("error %q, want the recovery's Execution<status>", r.Error)
	}
	if len(r.Executions) < 2 {
		t.Errorf("executions %v, want the stopped one and its recovery", r.Executions)
	}
	assertSameInventory(t, "recovery", v1.Inventory, r.Inventory, nil)
	if l, err := s.store.GetLock(ctx, "shop", "dev"); err != nil || l != nil {
		t.Fatalf("lock %+v, %v: the recovery must release it", l, err)
	}
}

// waitForAppliedStep waits until deployment id has finished at least one apply step.
func waitForAppliedStep(t *testing.T, s *Session, id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		j, err := s.store.Journal(context.Background(), "shop", "dev", id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range j {
			if e.Phase == state.PhaseAfter {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("deployment %s applied nothing within 5 minutes", id)
}
