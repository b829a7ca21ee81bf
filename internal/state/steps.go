package state

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/berth-dev/berth/internal/awscalls"
)

func stepsPrefix(id string) string { return deploySK(id) + "#STEP#" }
func callsPrefix(id string) string { return deploySK(id) + "#CALLS#" }

// AddStep records a step outcome. A step is identified by its start time and name, so
// recording the same step again (RUNNING, then SUCCEEDED; or a Lambda retry) replaces it.
func (s *Store) AddStep(ctx context.Context, app, stage, id string, step StepRecord) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if step.Name == "" {
		return fmt.Errorf("state: deployment %s: step without a name", id)
	}
	item := key(appPK(app, stage), stepsPrefix(id)+nanos(step.Started)+"#"+step.Name)
	item[attrType] = str("step")
	item[attrName] = str(step.Name)
	item[attrStatus] = str(step.Status)
	item[attrStarted] = timeAttr(step.Started)
	if !step.Ended.IsZero() {
		item[attrEnded] = timeAttr(step.Ended)
	}
	if step.Detail != "" {
		item[attrDetail] = str(truncate(step.Detail, maxDetailText))
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("state: add step %s to deployment %s: %w", step.Name, id, err)
	}
	return nil
}

// AddCalls records one Lambda invocation's AWS call counts. Keyed by invocation id (the
// Lambda request id), so a retried report overwrites instead of double counting.
func (s *Store) AddCalls(ctx context.Context, app, stage, id, invocationID string, calls awscalls.Summary) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if invocationID == "" {
		return fmt.Errorf("state: deployment %s: calls without an invocation id", id)
	}
	body, err := json.Marshal(calls)
	if err != nil {
		return err
	}
	item := key(appPK(app, stage), callsPrefix(id)+invocationID)
	item[attrType] = str("calls")
	item[attrDoc] = str(string(body))
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("state: add calls to deployment %s: %w", id, err)
	}
	return nil
}
