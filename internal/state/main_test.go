package state

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/berth-dev/berth/internal/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const testRegion = "eu-west-1"

var fixtureSeq atomic.Int64

// fixture is one store over its own fresh table and bucket, so tests never see each
// other's items and may run in parallel.
type fixture struct {
	store  *Store
	db     *dynamodb.Client
	s3     *s3.Client
	table  string
	bucket string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, testRegion)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPClient = &http.Client{Transport: &linearizedDynamoDB{base: http.DefaultTransport}}
	n := fixtureSeq.Add(1)
	f := &fixture{
		db: dynamodb.NewFromConfig(cfg),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = true
			// moto returns no checksum for objects; validating "when supported" makes the
			// SDK log a warning on every GetObject.
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}),
		table:  fmt.Sprintf("berth-state-%d", n),
		bucket: fmt.Sprintf("berth-artifacts-%d", n),
	}
	// The same key schema and billing mode as template.yaml's StateTable.
	_, err = f.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   &f.table,
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s3.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket: &f.bucket,
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{
			LocationConstraint: s3types.BucketLocationConstraint(testRegion),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.store = New(f.db, f.s3, f.table, f.bucket)
	return f
}

// objectExists reports whether key is in the fixture's bucket.
func (f *fixture) objectExists(t *testing.T, key string) bool {
	t.Helper()
	_, err := f.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &f.bucket, Key: &key})
	return err == nil
}

// item reads one raw item, to check the documented layout.
func (f *fixture) item(t *testing.T, pk, sk string) map[string]ddbtypes.AttributeValue {
	t.Helper()
	out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: &f.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// linearizedDynamoDB sends one DynamoDB request to moto at a time.
//
// Real DynamoDB applies each single-item write — condition check and write — atomically.
// moto 5.2.1 does not: its threaded server evaluates a condition and applies the write in
// separate unsynchronised Python steps, so two concurrent conditional writes can both
// pass the same condition (observed: two winners of a fresh lock, and two pending writes
// that both passed "no newer request pending"). Serialising requests restores the
// guarantee the store relies on, and only that: the goroutines in the race tests still
// issue their calls concurrently, in any interleaving, and the order in which requests
// reach the emulator is still decided by the scheduler. moto finishes an operation before
// it sends the response headers, so holding the mutex until RoundTrip returns covers it.
type linearizedDynamoDB struct {
	mu   sync.Mutex
	base http.RoundTripper
}

func (l *linearizedDynamoDB) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_") {
		l.mu.Lock()
		defer l.mu.Unlock()
	}
	return l.base.RoundTrip(r)
}
