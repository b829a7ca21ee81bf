package cloudfrontedge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvs "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
)

// These tests drive the fake with the real SDK clients: if a wire shape were wrong, the
// SDK's own deserializers would fail them.

func startFake(t *testing.T) (*Server, *cloudfront.Client, *kvs.Client) {
	t.Helper()
	s := Start()
	t.Cleanup(s.Close)
	cfg := s.AWSConfig("us-east-1")
	return s, cloudfront.NewFromConfig(cfg), kvs.NewFromConfig(cfg)
}

func newStore(t *testing.T, cf *cloudfront.Client, name string) *cftypes.KeyValueStore {
	t.Helper()
	out, err := cf.CreateKeyValueStore(context.Background(), &cloudfront.CreateKeyValueStoreInput{
		Name: aws.String(name), Comment: aws.String("test"),
		Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("demo")}}},
	})
	if err != nil {
		t.Fatalf("create store: %v", err)
	}
	return out.KeyValueStore
}

func fnConfig(kvsARN string) *cftypes.FunctionConfig {
	c := &cftypes.FunctionConfig{Comment: aws.String("router"), Runtime: cftypes.FunctionRuntimeCloudfrontJs20}
	if kvsARN != "" {
		c.KeyValueStoreAssociations = &cftypes.KeyValueStoreAssociations{Quantity: aws.Int32(1),
			Items: []cftypes.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(kvsARN)}}}
	}
	return c
}

func dataETag(t *testing.T, kv *kvs.Client, arn string) string {
	t.Helper()
	out, err := kv.DescribeKeyValueStore(context.Background(), &kvs.DescribeKeyValueStoreInput{KvsARN: aws.String(arn)})
	if err != nil {
		t.Fatalf("describe store (data plane): %v", err)
	}
	return aws.ToString(out.ETag)
}

func TestAFunctionIsLiveOnlyAfterPublish(t *testing.T) {
	ctx := context.Background()
	_, cf, _ := startFake(t)
	created, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("router"), FunctionConfig: fnConfig(""), FunctionCode: []byte("function handler(e){return e.request}"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := created.FunctionSummary.FunctionMetadata.Stage; got != cftypes.FunctionStageDevelopment {
		t.Fatalf("stage after create = %s", got)
	}
	if want := "arn:aws:cloudfront::123456789012:function/router"; aws.ToString(created.FunctionSummary.FunctionMetadata.FunctionARN) != want {
		t.Fatalf("arn = %s, want %s", aws.ToString(created.FunctionSummary.FunctionMetadata.FunctionARN), want)
	}
	_, err = cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("router"), Stage: cftypes.FunctionStageLive})
	var nf *cftypes.NoSuchFunctionExists
	if !errors.As(err, &nf) {
		t.Fatalf("describe LIVE before publish: %v, want NoSuchFunctionExists", err)
	}
	pub, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("router"), IfMatch: created.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if pub.FunctionSummary.FunctionMetadata.Stage != cftypes.FunctionStageLive {
		t.Fatalf("publish returned stage %s", pub.FunctionSummary.FunctionMetadata.Stage)
	}
	code, err := cf.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("router"), Stage: cftypes.FunctionStageLive})
	if err != nil || string(code.FunctionCode) != "function handler(e){return e.request}" {
		t.Fatalf("get LIVE code = %q, %v", code.FunctionCode, err)
	}
	list, err := cf.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Stage: cftypes.FunctionStageLive})
	if err != nil || aws.ToInt32(list.FunctionList.Quantity) != 1 || aws.ToString(list.FunctionList.Items[0].Name) != "router" {
		t.Fatalf("list LIVE functions = %+v, %v", list, err)
	}
}

func TestConditionalFunctionWritesNeedTheCurrentETag(t *testing.T) {
	ctx := context.Background()
	s, cf, _ := startFake(t)
	created, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String("f"), FunctionConfig: fnConfig(""), FunctionCode: []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	upd, err := cf.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("f"), IfMatch: created.ETag, FunctionConfig: fnConfig(""), FunctionCode: []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	var pf *cftypes.PreconditionFailed
	for name, call := range map[string]func(etag *string) error{
		"update": func(e *string) error {
			_, err := cf.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("f"), IfMatch: e, FunctionConfig: fnConfig(""), FunctionCode: []byte("c")})
			return err
		},
		"publish": func(e *string) error {
			_, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("f"), IfMatch: e})
			return err
		},
		"delete": func(e *string) error {
			_, err := cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("f"), IfMatch: e})
			return err
		},
	} {
		if err := call(created.ETag); !errors.As(err, &pf) {
			t.Fatalf("%s with a stale ETag: %v, want PreconditionFailed", name, err)
		}
	}
	s.InjectConcurrentWrite()
	if _, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("f"), IfMatch: upd.ETag}); !errors.As(err, &pf) {
		t.Fatalf("publish after an injected concurrent write: %v, want PreconditionFailed", err)
	}
}

// Republishing an unchanged DEVELOPMENT stage is a 412 (terraform-provider-aws#49572), and
// a function a distribution uses cannot be deleted (FunctionInUse, 409).
func TestRepublishingAndDeletingAFunctionInUseAreRefused(t *testing.T) {
	ctx := context.Background()
	s, cf, _ := startFake(t)
	created, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String("f"), FunctionConfig: fnConfig(""), FunctionCode: []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("f"), IfMatch: created.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("f"), IfMatch: created.ETag}); !errors.As(err, new(*cftypes.PreconditionFailed)) {
		t.Fatalf("republish: %v, want PreconditionFailed", err)
	}
	s.SetFunctionInUse("f", true)
	if _, err := cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("f"), IfMatch: created.ETag}); !errors.As(err, new(*cftypes.FunctionInUse)) {
		t.Fatalf("delete in use: %v, want FunctionInUse", err)
	}
	s.SetFunctionInUse("f", false)
	if _, err := cf.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("f"), IfMatch: created.ETag}); err != nil {
		t.Fatalf("delete once released: %v", err)
	}
}

func TestFunctionValidationMatchesCloudFront(t *testing.T) {
	ctx := context.Background()
	_, cf, _ := startFake(t)
	st := newStore(t, cf, "routes")
	js1 := fnConfig(aws.ToString(st.ARN))
	js1.Runtime = cftypes.FunctionRuntimeCloudfrontJs10
	two := fnConfig(aws.ToString(st.ARN))
	two.KeyValueStoreAssociations.Quantity = aws.Int32(2)
	two.KeyValueStoreAssociations.Items = append(two.KeyValueStoreAssociations.Items, two.KeyValueStoreAssociations.Items[0])
	tests := []struct {
		name string
		cfg  *cftypes.FunctionConfig
		code []byte
		want any
	}{
		{"a store that does not exist is refused", fnConfig("arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-4000-8000-000000000000"), []byte("x"), new(*cftypes.InvalidArgument)},
		{"a store on cloudfront-js-1.0 is refused", js1, []byte("x"), new(*cftypes.InvalidArgument)},
		{"two stores are refused", two, []byte("x"), new(*cftypes.InvalidArgument)},
		{"code over 10 KB is refused", fnConfig(""), make([]byte, 10*1024+1), new(*cftypes.FunctionSizeLimitExceeded)},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(fmt.Sprint("f", i)), FunctionConfig: tc.cfg, FunctionCode: tc.code})
			if !errors.As(err, tc.want) {
				t.Fatalf("got %v, want %T", err, tc.want)
			}
		})
	}
}

func TestAStoreInUseByAFunctionCannotBeDeleted(t *testing.T) {
	ctx := context.Background()
	_, cf, _ := startFake(t)
	st := newStore(t, cf, "routes")
	if _, err := cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String("f"), FunctionConfig: fnConfig(aws.ToString(st.ARN)), FunctionCode: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	d, err := cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("f")})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.FunctionSummary.FunctionConfig.KeyValueStoreAssociations.Items[0].KeyValueStoreARN; aws.ToString(got) != aws.ToString(st.ARN) {
		t.Fatalf("association = %s", aws.ToString(got))
	}
	ds, err := cf.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("routes")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cf.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("routes"), IfMatch: ds.ETag})
	var inUse *cftypes.CannotDeleteEntityWhileInUse
	if !errors.As(err, &inUse) {
		t.Fatalf("delete a store in use: %v, want CannotDeleteEntityWhileInUse", err)
	}
}

func TestAKeyValueStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	_, cf, _ := startFake(t)
	st := newStore(t, cf, "routes")
	if aws.ToString(st.Status) != "PROVISIONING" || !strings.HasSuffix(aws.ToString(st.ARN), ":key-value-store/"+aws.ToString(st.Id)) {
		t.Fatalf("created store = %+v", st)
	}
	d, err := cf.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("routes")})
	if err != nil || aws.ToString(d.KeyValueStore.Status) != "READY" || aws.ToString(d.ETag) == "" {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	tags, err := cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: st.ARN})
	if err != nil || len(tags.Tags.Items) != 1 || aws.ToString(tags.Tags.Items[0].Value) != "demo" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
	if _, err := cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("routes")}); !errors.As(err, new(*cftypes.EntityAlreadyExists)) {
		t.Fatalf("create twice: %v, want EntityAlreadyExists", err)
	}
	upd, err := cf.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("routes"), Comment: aws.String("new"), IfMatch: d.ETag})
	if err != nil || aws.ToString(upd.KeyValueStore.Comment) != "new" {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	if _, err := cf.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("routes"), IfMatch: d.ETag}); !errors.As(err, new(*cftypes.PreconditionFailed)) {
		t.Fatalf("delete with a stale ETag: %v, want PreconditionFailed", err)
	}
	list, err := cf.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{})
	if err != nil || aws.ToInt32(list.KeyValueStoreList.Quantity) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := cf.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("routes"), IfMatch: upd.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("routes")}); !errors.As(err, new(*cftypes.EntityNotFound)) {
		t.Fatalf("describe after delete: %v, want EntityNotFound", err)
	}
}

// headerRecorder keeps the signature algorithm and host of every data-plane request.
type headerRecorder struct {
	mu    sync.Mutex
	auth  []string
	hosts []string
}

func TestTheDataPlaneIsSignedWithSigV4AOnTheAccountHost(t *testing.T) {
	ctx := context.Background()
	f := New()
	rec := &headerRecorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, dataPlanePrefix) {
			rec.mu.Lock()
			rec.auth = append(rec.auth, r.Header.Get("Authorization"))
			rec.hosts = append(rec.hosts, r.Host)
			rec.mu.Unlock()
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s := &Server{FakeServer: f, URL: srv.URL, srv: srv}
	cfg := s.AWSConfig("eu-west-1")
	cf, kv := cloudfront.NewFromConfig(cfg), kvs.NewFromConfig(cfg)
	st := newStore(t, cf, "routes")
	if _, err := kv.PutKey(ctx, &kvs.PutKeyInput{KvsARN: st.ARN, Key: aws.String("/api/*"), Value: aws.String("v"), IfMatch: aws.String(dataETag(t, kv, aws.ToString(st.ARN)))}); err != nil {
		t.Fatal(err)
	}
	if len(rec.auth) != 2 {
		t.Fatalf("recorded %d data-plane requests, want 2", len(rec.auth))
	}
	wantHost := "123456789012." + strings.TrimPrefix(srv.URL, "http://")
	for i, a := range rec.auth {
		if !strings.HasPrefix(a, "AWS4-ECDSA-P256-SHA256 ") || rec.hosts[i] != wantHost {
			t.Fatalf("request %d: Authorization %q on host %q, want SigV4A on %s", i, a, rec.hosts[i], wantHost)
		}
	}

	// A SigV4-signed request is what a misconfigured client would send: refused.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/key-value-stores/"+strings.ReplaceAll(aws.ToString(st.ARN), "/", "%2F"), nil)
	req.Host = wantHost
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("SigV4 request answered %d, want 403", resp.StatusCode)
	}
}

func TestKeysWithSlashesAndStarsRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, cf, kv := startFake(t)
	arn := newStore(t, cf, "routes").ARN
	keys := []string{"/api/*", "/*", "shop.example.com/a/b", "/a b/%2F"}
	for _, k := range keys {
		if _, err := kv.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String(k), Value: aws.String("v" + k), IfMatch: aws.String(dataETag(t, kv, *arn))}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
		got, err := kv.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String(k)})
		if err != nil || aws.ToString(got.Value) != "v"+k || aws.ToString(got.Key) != k {
			t.Fatalf("get %q = %+v, %v", k, got, err)
		}
	}
	d, err := kv.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil || aws.ToInt32(d.ItemCount) != int32(len(keys)) || aws.ToString(d.Status) != "READY" || d.Created == nil {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	if _, err := kv.DeleteKey(ctx, &kvs.DeleteKeyInput{KvsARN: arn, Key: aws.String("/*"), IfMatch: d.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("/*")}); !errors.As(err, new(*kvstypes.ResourceNotFoundException)) {
		t.Fatalf("get a deleted key: %v, want ResourceNotFoundException", err)
	}
}

// A stale If-Match is refused the way the fake is told to answer (see StaleAnswer).
func TestDataPlaneRefusesAStaleETagAsToldEitherWay(t *testing.T) {
	for _, answer := range StaleAnswers {
		t.Run(answer.String(), func(t *testing.T) {
			ctx := context.Background()
			s, cf, kv := startFake(t)
			s.StaleData = answer
			arn := newStore(t, cf, "routes").ARN
			etag := dataETag(t, kv, *arn)
			puts := []kvstypes.PutKeyRequestListItem{{Key: aws.String("/a"), Value: aws.String("1")}}
			out, err := kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(etag), Puts: puts})
			if err != nil || aws.ToString(out.ETag) == etag || aws.ToInt32(out.ItemCount) != 1 {
				t.Fatalf("update keys = %+v, %v", out, err)
			}
			stale := func(err error) bool {
				if answer == StaleAsConflict {
					return errors.As(err, new(*kvstypes.ConflictException))
				}
				var v *kvstypes.ValidationException
				return errors.As(err, &v) && v.ErrorMessage() == "Pre-Condition failed"
			}
			if _, err := kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(etag), Puts: puts}); !stale(err) {
				t.Fatalf("stale ETag: %v, want %s", err, answer)
			}
			s.InjectConcurrentWrite()
			if _, err := kv.PutKey(ctx, &kvs.PutKeyInput{KvsARN: arn, Key: aws.String("/b"), Value: aws.String("2"), IfMatch: out.ETag}); !stale(err) {
				t.Fatalf("after an injected concurrent write: %v, want %s", err, answer)
			}
			// The injection is used up: the next write with the current ETag succeeds.
			if _, err := kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(dataETag(t, kv, *arn)), Puts: puts}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestKeyValueStoreLimitsAreEnforced(t *testing.T) {
	ctx := context.Background()
	_, cf, kv := startFake(t)
	arn := newStore(t, cf, "routes").ARN
	many := make([]kvstypes.PutKeyRequestListItem, MaxKeysPerUpdate+1)
	for i := range many {
		many[i] = kvstypes.PutKeyRequestListItem{Key: aws.String(fmt.Sprint("/k", i)), Value: aws.String("v")}
	}
	tests := []struct {
		name string
		puts []kvstypes.PutKeyRequestListItem
	}{
		{"a key over 512 bytes", []kvstypes.PutKeyRequestListItem{{Key: aws.String("/" + strings.Repeat("k", MaxKeyBytes)), Value: aws.String("v")}}},
		{"a value over 1 KB", []kvstypes.PutKeyRequestListItem{{Key: aws.String("/k"), Value: aws.String(strings.Repeat("v", MaxValueBytes+1))}}},
		{"more than 50 keys in one call", many},
		{"a key twice in one call", []kvstypes.PutKeyRequestListItem{many[0], many[0]}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is a ValidationException", func(t *testing.T) {
			_, err := kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(dataETag(t, kv, *arn)), Puts: tc.puts})
			if !errors.As(err, new(*kvstypes.ValidationException)) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("a store over 5 MB is a ServiceQuotaExceededException", func(t *testing.T) {
		value := strings.Repeat("v", MaxValueBytes)
		var err error
		for i := 0; err == nil && i < 200; i++ {
			batch := make([]kvstypes.PutKeyRequestListItem, MaxKeysPerUpdate)
			for j := range batch {
				batch[j] = kvstypes.PutKeyRequestListItem{Key: aws.String(fmt.Sprintf("/%d/%d", i, j)), Value: aws.String(value)}
			}
			_, err = kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(dataETag(t, kv, *arn)), Puts: batch})
		}
		if !errors.As(err, new(*kvstypes.ServiceQuotaExceededException)) {
			t.Fatalf("got %v", err)
		}
		d, _ := kv.DescribeKeyValueStore(ctx, &kvs.DescribeKeyValueStoreInput{KvsARN: arn})
		if aws.ToInt64(d.TotalSizeInBytes) > MaxStoreBytes {
			t.Fatalf("store holds %d bytes after the refused write", aws.ToInt64(d.TotalSizeInBytes))
		}
	})
}

func TestListKeysPaginatesInPagesOfAtMost50(t *testing.T) {
	ctx := context.Background()
	_, cf, kv := startFake(t)
	arn := newStore(t, cf, "routes").ARN
	for i := 0; i < 3; i++ {
		batch := make([]kvstypes.PutKeyRequestListItem, 40)
		for j := range batch {
			batch[j] = kvstypes.PutKeyRequestListItem{Key: aws.String(fmt.Sprintf("/%d/%02d", i, j)), Value: aws.String("v")}
		}
		if _, err := kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(dataETag(t, kv, *arn)), Puts: batch}); err != nil {
			t.Fatal(err)
		}
	}
	p := kvs.NewListKeysPaginator(kv, &kvs.ListKeysInput{KvsARN: arn, MaxResults: aws.Int32(50)})
	pages, keys := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		keys += len(out.Items)
	}
	if pages != 3 || keys != 120 {
		t.Fatalf("listed %d keys in %d pages, want 120 in 3", keys, pages)
	}
	if _, err := kv.ListKeys(ctx, &kvs.ListKeysInput{KvsARN: arn, MaxResults: aws.Int32(51)}); !errors.As(err, new(*kvstypes.ValidationException)) {
		t.Fatalf("MaxResults 51: %v, want ValidationException", err)
	}
}

func TestCorruptOnWriteStoresSomethingElse(t *testing.T) {
	ctx := context.Background()
	s, cf, kv := startFake(t)
	arn := newStore(t, cf, "routes").ARN
	s.CorruptOnWrite("/a", "garbage")
	s.CorruptOnWrite("/b", "")
	puts := []kvstypes.PutKeyRequestListItem{{Key: aws.String("/a"), Value: aws.String("1")}, {Key: aws.String("/b"), Value: aws.String("2")}}
	if _, err := kv.UpdateKeys(ctx, &kvs.UpdateKeysInput{KvsARN: arn, IfMatch: aws.String(dataETag(t, kv, *arn)), Puts: puts}); err != nil {
		t.Fatal(err)
	}
	if got, _ := kv.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("/a")}); aws.ToString(got.Value) != "garbage" {
		t.Fatalf("/a = %q, want the corrupted value", aws.ToString(got.Value))
	}
	if _, err := kv.GetKey(ctx, &kvs.GetKeyInput{KvsARN: arn, Key: aws.String("/b")}); !errors.As(err, new(*kvstypes.ResourceNotFoundException)) {
		t.Fatalf("/b: %v, want it dropped", err)
	}
}

func TestHandlesOnlyFunctionAndKeyValueStoreCalls(t *testing.T) {
	f := New()
	tests := []struct {
		method, url string
		want        bool
	}{
		{"POST", "http://cloudfront.local/2020-05-31/function", true},
		{"GET", "http://cloudfront.local/2020-05-31/function/router/describe?Stage=LIVE", true},
		{"POST", "http://cloudfront.local/2020-05-31/key-value-store", true},
		{"DELETE", "http://cloudfront.local/2020-05-31/key-value-store/routes", true},
		{"GET", "http://123456789012.kvs.local/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fx/keys", true},
		{"GET", "http://cloudfront.local/2020-05-31/tagging?Resource=arn%3Aaws%3Acloudfront%3A%3A123456789012%3Afunction%2Frouter", true},
		{"GET", "http://cloudfront.local/2020-05-31/tagging?Resource=arn%3Aaws%3Acloudfront%3A%3A123456789012%3Adistribution%2FE1", false},
		{"POST", "http://cloudfront.local/2020-05-31/distribution", false},
		{"POST", "http://cloudfront.local/2020-05-31/origin-access-control", false},
		{"GET", "http://cloudfront.local/2020-05-31/functions", false},
		{"POST", "http://lambda.local/2015-03-31/functions", false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, tc.url, nil)
		if got := f.Handles(r); got != tc.want {
			t.Errorf("Handles(%s %s) = %v, want %v", tc.method, tc.url, got, tc.want)
		}
	}
}
