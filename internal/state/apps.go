package state

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// AppStage is one deployed app/stage, as listed for drift and the API.
type AppStage struct {
	App          string    `json:"app"`
	Stage        string    `json:"stage"`
	RegisteredAt time.Time `json:"registeredAt"`
}

// RegisterApp records an app/stage in the APPS sentinel partition at its first deploy, so
// drift enumerates deployed stages with one Query instead of a Scan or an index. Calling
// it again is a no-op that keeps the first registration time.
func (s *Store) RegisterApp(ctx context.Context, app, stage string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	item := key(pkApps, app+"#"+stage)
	item[attrType] = str("app")
	item[attrApp] = str(app)
	item[attrStage] = str(stage)
	item["registeredAt"] = timeAttr(s.now())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: item, ConditionExpression: ptr("attribute_not_exists(pk)"),
	})
	if failed, _ := isConditionFailed(err); failed {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: register %s/%s: %w", app, stage, err)
	}
	return nil
}

// UnregisterApp removes an app/stage from the list after its removal. A no-op when it is
// not registered.
func (s *Store) UnregisterApp(ctx context.Context, app, stage string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(pkApps, app+"#"+stage)})
	if err != nil {
		return fmt.Errorf("state: unregister %s/%s: %w", app, stage, err)
	}
	return nil
}

// ListApps returns every registered app/stage, sorted by app then stage.
func (s *Store) ListApps(ctx context.Context) ([]AppStage, error) {
	items, err := s.queryAll(ctx, pkApps, "")
	if err != nil {
		return nil, err
	}
	apps := make([]AppStage, 0, len(items))
	for _, it := range items {
		apps = append(apps, AppStage{App: getS(it, attrApp), Stage: getS(it, attrStage), RegisteredAt: getTime(it, "registeredAt")})
	}
	return apps, nil
}
