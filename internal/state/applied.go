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

// Applied is what the last successful deployment left in the account: the graph it
// applied, every resource's runtime outputs (the route table's are the KVS entries it
// read back), and which config version it came from. Plan diffs the next desired graph
// against it; drift compares the account against it; removal deletes what it lists.
type Applied struct {
	Desired *plan.Desired `json:"desired"`
	// Outputs by logical resource id.
	Outputs       map[string]provision.Outputs `json:"outputs,omitempty"`
	ConfigBucket  string                       `json:"configBucket,omitempty"`
	ConfigKey     string                       `json:"configKey,omitempty"`
	ConfigVersion string                       `json:"configVersion,omitempty"`
	DeploymentID  string                       `json:"deploymentId"`
	UpdatedAt     time.Time                    `json:"updatedAt"`
}

// RouteEntries are the KeyValueStore entries (key → value) the route table held when it
// was last written or read back.
func (a *Applied) RouteEntries() map[string]string { return a.Outputs[plan.IDRouteTable] }

func appliedKey(app, stage, deploymentID string) string {
	return fmt.Sprintf("applied/%s/%s/%s.json", app, stage, deploymentID)
}

func planKey(app, stage, id string) string {
	return fmt.Sprintf("deployments/%s/%s/%s/plan.json", app, stage, id)
}

// SaveApplied commits the applied state. The document always goes to S3
// (applied/<app>/<stage>/<deploymentId>.json: a graph with props easily exceeds an item)
// and is written before the STATE item that points at it, so a crash between the two
// leaves the previous state in force, never a pointer to a missing document. Documents of
// earlier deployments stay in S3 as history.
func (s *Store) SaveApplied(ctx context.Context, app, stage string, a Applied) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	if err := checkName("applied deployment id", a.DeploymentID); err != nil {
		return err
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = s.now()
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("state: encode applied state: %w", err)
	}
	ref, err := s.refAttrs(ctx, appliedKey(app, stage, a.DeploymentID), body)
	if err != nil {
		return err
	}
	item := key(appPK(app, stage), skState)
	item[attrType] = str("state")
	maps.Copy(item, ref)
	item["deploymentId"] = str(a.DeploymentID)
	item["configBucket"] = str(a.ConfigBucket)
	item["configKey"] = str(a.ConfigKey)
	item["configVersion"] = str(a.ConfigVersion)
	item["updatedAt"] = timeAttr(a.UpdatedAt)
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("state: save applied state %s/%s: %w", app, stage, err)
	}
	return nil
}

// LoadApplied reads the applied state; nil, nil when the app/stage was never deployed
// (or was removed).
func (s *Store) LoadApplied(ctx context.Context, app, stage string) (*Applied, error) {
	return loadAppDoc[Applied](ctx, s, app, stage, skState, "applied state")
}

// DeleteApplied forgets the applied state after a removal: the item first (so nothing
// points at a deleted document), then the document it pointed at.
func (s *Store) DeleteApplied(ctx context.Context, app, stage string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.table, Key: key(appPK(app, stage), skState), ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return fmt.Errorf("state: delete applied state %s/%s: %w", app, stage, err)
	}
	if ref := getS(out.Attributes, attrRef); ref != "" {
		return s.deleteObject(ctx, ref)
	}
	return nil
}

// SavePlan stores a deployment's plan in S3 (deployments/<app>/<stage>/<id>/plan.json),
// so states pass the deployment id instead of a payload that may exceed 256 KB.
func (s *Store) SavePlan(ctx context.Context, app, stage, id string, p *plan.Plan) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("state: deployment %s: nil plan", id)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("state: encode plan: %w", err)
	}
	_, err = s.putObject(ctx, planKey(app, stage, id), body)
	return err
}

// LoadPlan reads a deployment's plan; nil, nil when none was saved.
func (s *Store) LoadPlan(ctx context.Context, app, stage, id string) (*plan.Plan, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	body, found, err := s.getObject(ctx, planKey(app, stage, id), "")
	if err != nil || !found {
		return nil, err
	}
	var p plan.Plan
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("state: plan of deployment %s: %w", id, err)
	}
	return &p, nil
}
