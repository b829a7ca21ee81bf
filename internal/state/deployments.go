package state

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/berth-dev/berth/internal/awscalls"
)

// Status is a deployment's lifecycle state.
type Status string

const (
	StatusRunning     Status = "RUNNING"
	StatusSucceeded   Status = "SUCCEEDED"
	StatusFailed      Status = "FAILED"       // failed; compensation did not complete
	StatusRolledBack  Status = "ROLLED_BACK"  // failed, and compensation restored the last good state
	StatusQueued      Status = "QUEUED"       // waiting as the lock's pending request
	StatusSuperseded  Status = "SUPERSEDED"   // a newer request replaced it before it ran
	StatusRollingBack Status = "ROLLING_BACK" // compensating: step handlers must not act any more
)

func (s Status) valid() bool {
	switch s {
	case StatusRunning, StatusSucceeded, StatusFailed, StatusRolledBack, StatusQueued, StatusSuperseded, StatusRollingBack:
		return true
	}
	return false
}

// Source is what started a deployment.
type Source string

const (
	SourceS3    Source = "s3"
	SourceAPI   Source = "api"
	SourceDrift Source = "drift"
	SourceCLI   Source = "cli"
)

// Deployment is one deployment's record. It holds only public data: config location,
// timings, step outcomes, call counts and public outputs. Callers never put secret values
// in Error, step Detail or Outputs.
type Deployment struct {
	ID            string    `json:"id"`
	App           string    `json:"app"`
	Stage         string    `json:"stage"`
	Status        Status    `json:"status"`
	Source        Source    `json:"source"`
	Bucket        string    `json:"bucket,omitempty"`
	Key           string    `json:"key,omitempty"`
	ConfigVersion string    `json:"configVersion,omitempty"`
	Started       time.Time `json:"started"`
	Ended         time.Time `json:"ended,omitzero"`
	Error         string    `json:"error,omitempty"`
	// Steps and Calls are filled by GetDeployment only (ListDeployments returns headers).
	Steps []StepRecord     `json:"steps,omitempty"`
	Calls awscalls.Summary `json:"calls"`
	// Outputs are public outputs only: distribution domain, custom domains.
	Outputs map[string]string `json:"outputs,omitempty"`
}

// StepRecord is one workflow step's outcome, for humans.
type StepRecord struct {
	Name    string    `json:"name"`
	Status  string    `json:"status"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Detail  string    `json:"detail,omitempty"`
}

// Text caps: an error message or step detail is for reading, and must not push an item
// towards DynamoDB's 400 KB limit.
const (
	maxErrorText  = 8 * 1024
	maxDetailText = 16 * 1024
)

// Deployment header attributes.
const (
	attrID            = "id"
	attrApp           = "app"
	attrStage         = "stage"
	attrStatus        = "status"
	attrSource        = "source"
	attrBucket        = "bucket"
	attrKey           = "key"
	attrConfigVersion = "configVersion"
	attrStarted       = "started"
	attrEnded         = "ended"
	attrError         = "error"
	attrOutputs       = "outputs"
	attrName          = "name"
	attrDetail        = "detail"
)

// historySK orders deployments by start time, newest last, for ListDeployments.
func historySK(d Deployment) string { return skHistory + nanos(d.Started) + "#" + d.ID }

// CreateDeployment writes a new deployment record. A retry of the same create (same id
// and start time: a Lambda retry after a lost response) succeeds and finishes the write;
// a different deployment with a taken id fails with ErrDeploymentExists.
func (s *Store) CreateDeployment(ctx context.Context, d Deployment) error {
	if err := checkDeployment(d.App, d.Stage, d.ID); err != nil {
		return err
	}
	if !d.Status.valid() {
		return fmt.Errorf("state: deployment %s: unknown status %q", d.ID, d.Status)
	}
	pk := appPK(d.App, d.Stage)
	item := key(pk, deploySK(d.ID))
	item[attrType] = str("deployment")
	for name, v := range map[string]string{
		attrID: d.ID, attrApp: d.App, attrStage: d.Stage, attrStatus: string(d.Status), attrSource: string(d.Source),
		attrBucket: d.Bucket, attrKey: d.Key, attrConfigVersion: d.ConfigVersion, attrError: truncate(d.Error, maxErrorText),
	} {
		if v != "" {
			item[name] = str(v)
		}
	}
	item[attrStarted] = timeAttr(d.Started)
	if !d.Ended.IsZero() {
		item[attrEnded] = timeAttr(d.Ended)
	}
	if len(d.Outputs) > 0 {
		item[attrOutputs] = strMap(d.Outputs)
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: item, ConditionExpression: ptr("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if failed, old := isConditionFailed(err); failed {
		if !getTime(old, attrStarted).Equal(d.Started) {
			return fmt.Errorf("%w: %s", ErrDeploymentExists, d.ID)
		}
		// A retry: the first attempt may have stopped before the history item.
	} else if err != nil {
		return fmt.Errorf("state: create deployment %s: %w", d.ID, err)
	}
	// The history item is written after the record, so a listed id always resolves; a
	// crash in between leaves a record GetDeployment finds but the list omits.
	hist := key(pk, historySK(d))
	hist[attrType] = str("history")
	hist[attrID] = str(d.ID)
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: hist}); err != nil {
		return fmt.Errorf("state: index deployment %s: %w", d.ID, err)
	}
	return nil
}

// FinishDeployment records a deployment's end: status (any Status; terminal ones are the
// point), the error text (empty clears it) and the end time.
func (s *Store) FinishDeployment(ctx context.Context, app, stage, id string, status Status, errText string, ended time.Time) error {
	set := map[string]types.AttributeValue{":status": str(string(status)), ":ended": timeAttr(ended)}
	expr := "SET #status = :status, ended = :ended"
	if errText != "" {
		set[":error"] = str(truncate(errText, maxErrorText))
		expr += ", #error = :error"
	} else {
		expr += " REMOVE #error"
	}
	return s.updateDeployment(ctx, app, stage, id, status, expr, set, map[string]string{"#error": attrError})
}

// SetStatus changes a deployment's status without ending it (QUEUED → RUNNING when the
// lock's pending request starts).
func (s *Store) SetStatus(ctx context.Context, app, stage, id string, status Status) error {
	return s.updateDeployment(ctx, app, stage, id, status, "SET #status = :status",
		map[string]types.AttributeValue{":status": str(string(status))}, nil)
}

// SetOutputs records a deployment's public outputs (distribution domain, custom domains),
// replacing earlier ones.
func (s *Store) SetOutputs(ctx context.Context, app, stage, id string, outputs map[string]string) error {
	return s.updateDeployment(ctx, app, stage, id, "", "SET outputs = :outputs",
		map[string]types.AttributeValue{":outputs": strMap(outputs)}, nil)
}

// updateDeployment applies an update to an existing header; ErrNotFound when missing,
// so a typo'd id never creates a half-empty record.
func (s *Store) updateDeployment(ctx context.Context, app, stage, id string, status Status, expr string,
	vals map[string]types.AttributeValue, names map[string]string) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if status != "" && !status.valid() {
		return fmt.Errorf("state: deployment %s: unknown status %q", id, status)
	}
	allNames := map[string]string{}
	for k, v := range names {
		if strings.Contains(expr, k) {
			allNames[k] = v
		}
	}
	if strings.Contains(expr, "#status") {
		allNames["#status"] = attrStatus
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(appPK(app, stage), deploySK(id)),
		UpdateExpression:          &expr,
		ConditionExpression:       ptr("attribute_exists(pk)"),
		ExpressionAttributeValues: vals,
	}
	if len(allNames) > 0 {
		in.ExpressionAttributeNames = allNames
	}
	_, err := s.db.UpdateItem(ctx, in)
	if failed, _ := isConditionFailed(err); failed {
		return fmt.Errorf("%w: deployment %s/%s/%s", ErrNotFound, app, stage, id)
	}
	if err != nil {
		return fmt.Errorf("state: update deployment %s: %w", id, err)
	}
	return nil
}

// GetDeployment reads a deployment with its steps (in start order) and its summed call
// counts; nil, nil when it does not exist. The journal is not read: it can be large and
// is for compensation, not display.
// GetDeploymentHeader reads a deployment's record without its steps and calls: one
// GetItem, for callers that only need its status (nil, nil when missing).
func (s *Store) GetDeploymentHeader(ctx context.Context, app, stage, id string) (*Deployment, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	item, err := s.getItem(ctx, appPK(app, stage), deploySK(id))
	if err != nil || item == nil {
		return nil, err
	}
	d := deploymentFrom(item)
	return &d, nil
}

func (s *Store) GetDeployment(ctx context.Context, app, stage, id string) (*Deployment, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	pk := appPK(app, stage)
	item, err := s.getItem(ctx, pk, deploySK(id))
	if err != nil || item == nil {
		return nil, err
	}
	d := deploymentFrom(item)
	steps, err := s.queryAll(ctx, pk, stepsPrefix(id))
	if err != nil {
		return nil, err
	}
	for _, it := range steps {
		d.Steps = append(d.Steps, StepRecord{
			Name:    getS(it, attrName),
			Status:  getS(it, attrStatus),
			Started: getTime(it, attrStarted),
			Ended:   getTime(it, attrEnded),
			Detail:  getS(it, attrDetail),
		})
	}
	calls, err := s.queryAll(ctx, pk, callsPrefix(id))
	if err != nil {
		return nil, err
	}
	for _, it := range calls {
		var sum awscalls.Summary
		if err := json.Unmarshal([]byte(getS(it, attrDoc)), &sum); err != nil {
			return nil, fmt.Errorf("state: deployment %s: calls %s: %w", id, getS(it, attrSK), err)
		}
		d.Calls = d.Calls.Add(sum)
	}
	return &d, nil
}

// DefaultListLimit is what ListDeployments returns when asked for limit <= 0.
const DefaultListLimit = 20

// maxBatchGet is BatchGetItem's per-request key limit.
const maxBatchGet = 100

// ListDeployments returns the newest deployments first (by start time), without steps
// and calls. One Query over the history items, then BatchGetItem of the records.
func (s *Store) ListDeployments(ctx context.Context, app, stage string, limit int) ([]Deployment, error) {
	if err := checkAppStage(app, stage); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultListLimit
	}
	pk := appPK(app, stage)
	var ids []string
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(skHistory)},
		ScanIndexForward:          ptr(false),
		ConsistentRead:            ptr(true),
	}
	for len(ids) < limit {
		in.Limit = ptr(int32(limit - len(ids)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("state: list deployments %s/%s: %w", app, stage, err)
		}
		for _, it := range out.Items {
			ids = append(ids, getS(it, attrID))
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	byID, err := s.batchGetDeployments(ctx, pk, ids)
	if err != nil {
		return nil, err
	}
	list := make([]Deployment, 0, len(ids))
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			list = append(list, d)
		}
	}
	return list, nil
}

func (s *Store) batchGetDeployments(ctx context.Context, pk string, ids []string) (map[string]Deployment, error) {
	found := map[string]Deployment{}
	for start := 0; start < len(ids); start += maxBatchGet {
		var keys []map[string]types.AttributeValue
		for _, id := range ids[start:min(start+maxBatchGet, len(ids))] {
			keys = append(keys, key(pk, deploySK(id)))
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: ptr(true)}}
		// UnprocessedKeys come back under throttling; ask again until none are left.
		for len(req) > 0 && len(req[s.table].Keys) > 0 {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("state: read deployments: %w", err)
			}
			for _, it := range out.Responses[s.table] {
				d := deploymentFrom(it)
				found[d.ID] = d
			}
			req = out.UnprocessedKeys
		}
	}
	return found, nil
}

func deploymentFrom(item map[string]types.AttributeValue) Deployment {
	return Deployment{
		ID:            getS(item, attrID),
		App:           getS(item, attrApp),
		Stage:         getS(item, attrStage),
		Status:        Status(getS(item, attrStatus)),
		Source:        Source(getS(item, attrSource)),
		Bucket:        getS(item, attrBucket),
		Key:           getS(item, attrKey),
		ConfigVersion: getS(item, attrConfigVersion),
		Started:       getTime(item, attrStarted),
		Ended:         getTime(item, attrEnded),
		Error:         getS(item, attrError),
		Outputs:       getStrMap(item, attrOutputs),
	}
}
