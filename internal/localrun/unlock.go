package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/workflow"
)

// endedAbnormally are the statuses template.yaml's ExecutionEndedAbnormally rule matches.
var endedAbnormally = map[string]bool{"FAILED": true, "TIMED_OUT": true, "ABORTED": true}

// unlockRule delivers to the unlock function what template.yaml's ExecutionEndedAbnormally
// EventBridge rule delivers on AWS: one "Step Functions Execution Status Change" event per
// deploy or remove execution that ended FAILED, TIMED_OUT or ABORTED. The emulator's
// EventBridge has no Step Functions source (EMULATOR-NOTES.md), so the session plays the
// rule.
type unlockRule struct {
	handler  Handler
	notified map[string]bool
}

func newUnlockRule(deps *workflow.Deps) *unlockRule {
	return &unlockRule{handler: lambda.NewHandler(workflow.Handlers(deps)["Unlock"]), notified: map[string]bool{}}
}

// waitIdle waits until no execution runs and every abnormal end has been delivered to the
// unlock function, whose recovery executions are waited for in turn.
func (s *Session) waitIdle(ctx context.Context) ([]Execution, error) {
	deadline := time.Now().Add(s.wait)
	for {
		all, err := s.Env.WaitIdle(ctx, time.Until(deadline))
		if err != nil {
			return all, err
		}
		fired, err := s.unlock.deliver(ctx, s.Env, all)
		if err != nil || !fired {
			return all, err
		}
	}
}

// deliver sends the event of each abnormal end not yet delivered; it reports whether it
// sent any.
func (u *unlockRule) deliver(ctx context.Context, env *Env, all []Execution) (bool, error) {
	fired := false
	for _, x := range all {
		if !endedAbnormally[x.Status] || u.notified[x.Arn] {
			continue
		}
		u.notified[x.Arn] = true
		out, err := sfn.NewFromConfig(env.AWS).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(x.Arn)})
		if err != nil {
			return fired, err
		}
		var ev workflow.ExecutionEvent
		ev.Detail.ExecutionArn, ev.Detail.Name, ev.Detail.Status = x.Arn, x.Name, x.Status
		ev.Detail.Input = aws.ToString(out.Input)
		payload, err := json.Marshal(ev)
		if err != nil {
			return fired, err
		}
		if _, err := u.handler.Invoke(ctx, payload); err != nil {
			return fired, fmt.Errorf("the unlock function failed on the end of %s (%s): %w", x.Name, x.Status, err)
		}
		fired = true
	}
	return fired, nil
}
