package localrun

import (
	"context"
	"sync"
	"time"
)

// PumpInterval is how often Pump drains the config-event queue.
const PumpInterval = 300 * time.Millisecond

// Pump starts a goroutine that calls Trigger every PumpInterval, so a config written to
// the config bucket by anyone (the berth CLI, a test, `aws s3 cp`) starts a deployment by
// itself, as the EventBridge rule's Step Functions target does on AWS. Errors are retried
// on the next round (the emulator may be busy). stop ends the goroutine after its current
// round (about a second at most: the queue is long-polled) and waits for it; calling it
// again is harmless. Callers that drive Trigger themselves (Session.Deploy) must not run
// a Pump at the same time: either may start an upload's execution, and Deploy would not
// see one the Pump started.
func (e *Env) Pump(ctx context.Context) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			// A round is never cut short by stop (only by ctx): a message received and not
			// yet turned into an execution would come back as a late, duplicate deployment.
			_, _ = e.Trigger(ctx)
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-time.After(PumpInterval):
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-done
		})
	}
}
