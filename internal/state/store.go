package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// DynamoAPI is the part of the DynamoDB client the store uses; *dynamodb.Client satisfies it.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// S3API is the part of the S3 client the store uses; *s3.Client satisfies it.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// Store reads and writes berth's bookkeeping. It holds no state of its own, so one Store
// may be shared by concurrent goroutines and Lambda invocations.
type Store struct {
	db     DynamoAPI
	s3     S3API
	table  string
	bucket string
	// inlineLimit is the largest JSON document kept inside a DynamoDB item; larger ones
	// go to S3. 300 KB leaves room under DynamoDB's 400 KB item limit for the key and the
	// other attributes.
	inlineLimit int
	now         func() time.Time
}

// DefaultInlineLimit is where journal entries and drift reports move to S3.
const DefaultInlineLimit = 300 * 1024

// New returns a store over one DynamoDB table (keys pk, sk: strings) and one S3 bucket
// for documents too large for an item.
func New(db DynamoAPI, s3 S3API, table, bucket string) *Store {
	return &Store{db: db, s3: s3, table: table, bucket: bucket, inlineLimit: DefaultInlineLimit, now: time.Now}
}

// ErrNotFound is returned by updates of a record that does not exist. Reads of a missing
// record return nil, nil instead, because "never deployed" is a normal answer.
var ErrNotFound = errors.New("state: record not found")

// ErrDeploymentExists is returned by CreateDeployment when the id is taken. A retried
// create (Lambda retry) sees it too; callers that retry treat it as success.
var ErrDeploymentExists = errors.New("state: deployment already exists")

// Item key prefixes and fixed sort keys; see doc.go for the layout.
const (
	skLock     = "LOCK"
	skState    = "STATE"
	skDrift    = "DRIFT"
	skDeploy   = "DEPLOY#"
	skHistory  = "HIST#"
	pkApps     = "APPS"
	attrPK     = "pk"
	attrSK     = "sk"
	attrType   = "type"
	nanosWidth = 20 // zero-padded width of nanosecond sort-key parts, so they sort as numbers
)

func appPK(app, stage string) string { return "APP#" + app + "#" + stage }

func deploySK(id string) string { return skDeploy + id }

// checkName rejects empty names and names containing '#', which would make one item's
// key a prefix of another's (app "a#b" stage "c" vs app "a" stage "b#c").
func checkName(what, v string) error {
	if v == "" {
		return fmt.Errorf("state: %s is empty", what)
	}
	if strings.Contains(v, "#") {
		return fmt.Errorf("state: %s %q contains '#'", what, v)
	}
	return nil
}

func checkAppStage(app, stage string) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	return checkName("stage", stage)
}

func checkDeployment(app, stage, id string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	return checkName("deployment id", id)
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

// isConditionFailed reports whether err is a failed condition expression, and returns the
// item as it was (when the request asked for ALL_OLD on failure and the item existed).
func isConditionFailed(err error) (bool, map[string]types.AttributeValue) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true, ccf.Item
	}
	return false, nil
}

// queryAll runs a Query to the end, following LastEvaluatedKey. Consistent reads: the
// workflow reads what the previous state wrote a moment ago.
func (s *Store) queryAll(ctx context.Context, pk, prefix string) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: ptr("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":prefix": str(prefix),
		},
		ConsistentRead: ptr(true),
	}
	if prefix == "" {
		in.KeyConditionExpression = ptr("pk = :pk")
		delete(in.ExpressionAttributeValues, ":prefix")
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("state: query %s %s: %w", pk, prefix, err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func (s *Store) getItem(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pk, sk), ConsistentRead: ptr(true)})
	if err != nil {
		return nil, fmt.Errorf("state: get %s %s: %w", pk, sk, err)
	}
	return out.Item, nil
}

func ptr[T any](v T) *T { return &v }
