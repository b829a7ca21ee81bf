// Package cloudfrontedge is a FAKE of the two AWS APIs no emulator implements: CloudFront
// Functions and KeyValueStores on the CloudFront control plane (REST-XML,
// /2020-05-31/function…, /2020-05-31/key-value-store…, tagging of those ARNs), and the
// KeyValueStore data plane (REST-JSON, /key-value-stores/…, service
// cloudfront-keyvaluestore). It exists so tests and the local runtime exercise the REAL
// aws-sdk-go-v2 clients (serializers, deserializers, endpoint rules, SigV4A signing)
// instead of hand-written interface mocks.
//
// It is deliberately small. What it models, because berth depends on it: ETags and
// IfMatch on every conditional write (stale → PreconditionFailed 412 on the control plane,
// ValidationException 400 or ConflictException 409 on the data plane, see StaleAnswer), DEVELOPMENT vs LIVE function stages, one
// KeyValueStore per function and only on cloudfront-js-2.0, 10 KB function code, KVS
// limits (key ≤ 512 bytes, value ≤ 1 KB, store ≤ 5 MB, ≤ 50 keys and ≤ 3 MB per
// UpdateKeys, ListKeys pages ≤ 50), tags on function and store ARNs, stores in use by a
// function cannot be deleted. It checks that data-plane requests are SigV4A-signed
// (Authorization "AWS4-ECDSA-P256-SHA256 …") and arrive on the per-account host the SDK's
// endpoint rules build (<account>.<endpoint host>); it does not verify signatures.
// A function a distribution uses cannot be deleted (FunctionInUse; the association itself
// lives in moto, so tests declare it with SetFunctionInUse), and publishing an
// already-published DEVELOPMENT stage is refused (412).
// What it does not model: TestFunction, ImportSource, the distribution ETag change a
// publish causes on real CloudFront (terraform-provider-aws#19529; berth re-reads ETags
// anyway), propagation delays beyond one PROVISIONING read of a new store.
//
// Tests can inject the failures berth must survive: InjectConcurrentWrite (the next
// conditional write sees another writer's newer ETag) and CorruptOnWrite (a write stores
// something else, so read-back must catch it).
package cloudfrontedge

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultAccount is the account id the fake uses in ARNs (moto's default too).
const DefaultAccount = "123456789012"

// Paths the fake serves.
const (
	apiVersionPrefix = "/2020-05-31/"
	dataPlanePrefix  = "/key-value-stores/"
)

// FakeServer is an http.Handler faking CloudFront Functions, KeyValueStores and the
// KeyValueStore data plane. The zero value is not usable; call New.
type FakeServer struct {
	// Account is the account id in the ARNs the fake mints.
	Account string

	mu        sync.Mutex
	functions map[string]*function // by name
	stores    map[string]*store    // by name
	seq       int

	// StaleData is how the data plane answers a stale If-Match (default StaleAsValidation).
	StaleData StaleAnswer

	// Test hooks (see InjectConcurrentWrite, CorruptOnWrite).
	concurrentWrites int
	corrupt          map[string]string
	inUse            map[string]bool // function names a distribution associates

	vpcOrigins map[string]*vpcOrigin // by id
	// OnVpcOriginCreate, when set, runs for each CreateVpcOrigin with the endpoint ARN (the
	// load balancer): what CloudFront does in EC2, which the fake cannot see, such as
	// creating CloudFront-VPCOrigins-Service-SG in the VPC. Its error fails the create.
	OnVpcOriginCreate func(endpointArn string) error
}

// New returns an empty fake.
func New() *FakeServer {
	return &FakeServer{
		Account:   DefaultAccount,
		functions: map[string]*function{},
		stores:    map[string]*store{},
		corrupt:   map[string]string{},
		inUse:     map[string]bool{},

		vpcOrigins: map[string]*vpcOrigin{},
	}
}

// SetFunctionInUse marks the function name as associated with a distribution (or no
// longer). Distributions live in moto, so the fake cannot see associations itself; while
// in use, DeleteFunction answers FunctionInUse as CloudFront does.
func (f *FakeServer) SetFunctionInUse(name string, inUse bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inUse[name] = inUse
}

// StaleAnswer is one of the two ways the KeyValueStore data plane has been seen to refuse
// a write whose If-Match is stale. The SDK model (cloudfrontkeyvaluestore v1.13.1) lists
// both ConflictException and ValidationException for PutKey, DeleteKey and UpdateKeys; no
// AWS page names which one a stale ETag gets. SST's production writer, built against real
// AWS, retries ValidationException "Pre-Condition failed" (anomalyco/sst
// pkg/server/resource/aws-kv-keys.go), so that is the default; tests run both.
type StaleAnswer int

const (
	// StaleAsValidation: 400 ValidationException "Pre-Condition failed" (as SST reports).
	StaleAsValidation StaleAnswer = iota
	// StaleAsConflict: 409 ConflictException.
	StaleAsConflict
)

// StaleAnswers lists every StaleAnswer, for tests that run each.
var StaleAnswers = []StaleAnswer{StaleAsValidation, StaleAsConflict}

func (a StaleAnswer) String() string {
	if a == StaleAsConflict {
		return "ConflictException"
	}
	return "ValidationException"
}

// InjectConcurrentWrite makes the next conditional write (UpdateKeys, PutKey, DeleteKey,
// UpdateFunction, PublishFunction, DeleteFunction, UpdateKeyValueStore,
// DeleteKeyValueStore) find its target changed by another writer just before it: the
// target's ETag moves on, so the request's IfMatch is stale and it fails the way AWS fails
// it. Each call injects one such modification.
func (f *FakeServer) InjectConcurrentWrite() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.concurrentWrites++
}

// CorruptOnWrite makes the next data-plane write that puts key store stored instead of the
// value sent (stored == "" drops the key), while answering success: the kind of silent
// loss read-back verification exists to catch.
func (f *FakeServer) CorruptOnWrite(key, stored string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.corrupt[key] = stored
}

// takeConcurrentWrite reports whether a concurrent write is pending, consuming it. Callers
// hold f.mu.
func (f *FakeServer) takeConcurrentWrite() bool {
	if f.concurrentWrites == 0 {
		return false
	}
	f.concurrentWrites--
	return true
}

// Handles reports whether r is a call this fake serves: the CloudFront Functions or
// KeyValueStore control plane (including tagging of function and store ARNs) or the
// KeyValueStore data plane. A local proxy sends these here and everything else to moto.
func (f *FakeServer) Handles(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, dataPlanePrefix) {
		return true
	}
	rest, ok := strings.CutPrefix(p, apiVersionPrefix)
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(rest, "/")
	switch first {
	case "function", "key-value-store", "vpc-origin":
		return true
	case "tagging":
		res := r.URL.Query().Get("Resource")
		return strings.Contains(res, ":function/") || strings.Contains(res, ":key-value-store/") || strings.Contains(res, ":vpcorigin/")
	}
	return false
}

// ServeHTTP implements http.Handler.
func (f *FakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, dataPlanePrefix) {
		f.serveDataPlane(w, r)
		return
	}
	if !f.Handles(r) {
		writeXMLError(w, http.StatusNotFound, "UnsupportedOperation", "the CloudFront edge fake does not serve "+r.Method+" "+r.URL.Path)
		return
	}
	// CloudFront's control plane signs with SigV4 (HMAC), never SigV4A.
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeXMLError(w, http.StatusForbidden, "AccessDenied", "request is not SigV4-signed")
		return
	}
	f.serveControlPlane(w, r)
}

// nextETag mints a fresh ETag. Callers hold f.mu.
func (f *FakeServer) nextETag(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%011X", prefix, f.seq)
}

// now is the fake's clock, to the millisecond like AWS timestamps.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// newUUID returns a random RFC 4122 version 4 UUID, the form of KeyValueStore ids.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
