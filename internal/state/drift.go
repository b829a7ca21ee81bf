package state

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// DriftReport is the latest drift check of an app/stage. Diff values are rendered by
// provisioners, which never render secret values.
type DriftReport struct {
	At        time.Time       `json:"at"`
	Resources []ResourceDrift `json:"resources,omitempty"` // drifted resources only
	// Repaired is true when a repair deployment (DeploymentID) was started for it.
	Repaired     bool   `json:"repaired"`
	DeploymentID string `json:"deploymentId,omitempty"`
}

// ResourceDrift is one resource that no longer matches the applied state.
type ResourceDrift struct {
	ID      string                `json:"id"`
	Kind    plan.Kind             `json:"kind"`
	Missing bool                  `json:"missing,omitempty"`
	Diff    []provision.FieldDiff `json:"diff,omitempty"`
}

// SaveDrift replaces the latest drift report. Reports over 300 KB of JSON go to S3
// (drift/<app>/<stage>/<sha256>.json); the replaced report's object is deleted after the
// item no longer points at it.
func (s *Store) SaveDrift(ctx context.Context, app, stage string, r DriftReport) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("state: encode drift report: %w", err)
	}
	attrs, err := s.docAttrs(ctx, fmt.Sprintf("drift/%s/%s/", app, stage), body)
	if err != nil {
		return err
	}
	item := key(appPK(app, stage), skDrift)
	item[attrType] = str("drift")
	item["at"] = timeAttr(r.At)
	maps.Copy(item, attrs)
	out, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return fmt.Errorf("state: save drift report %s/%s: %w", app, stage, err)
	}
	if old := getS(out.Attributes, attrRef); old != "" && old != getS(attrs, attrRef) {
		return s.deleteObject(ctx, old)
	}
	return nil
}

// LoadDrift reads the latest drift report; nil, nil when drift never ran.
func (s *Store) LoadDrift(ctx context.Context, app, stage string) (*DriftReport, error) {
	return loadAppDoc[DriftReport](ctx, s, app, stage, skDrift, "drift report")
}
