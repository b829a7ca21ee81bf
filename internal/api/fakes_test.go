package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// Fakes of the API's small interfaces. They record what the handlers asked for, so the
// tests can check that a refused request wrote nothing.

type put struct {
	Key      string
	Body     []byte
	Metadata map[string]string
	Version  string
}

type fakeConfigs struct {
	mu   sync.Mutex
	puts []put
	err  error
}

func (f *fakeConfigs) PutConfig(_ context.Context, key string, body []byte, meta map[string]string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	v := fmt.Sprintf("v%d", len(f.puts)+1)
	f.puts = append(f.puts, put{Key: key, Body: bytes.Clone(body), Metadata: meta, Version: v})
	return v, nil
}

func (f *fakeConfigs) HeadConfig(_ context.Context, key string) (map[string]string, string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, "", false, f.err
	}
	for i := len(f.puts) - 1; i >= 0; i-- {
		if f.puts[i].Key == key {
			return f.puts[i].Metadata, f.puts[i].Version, true, nil
		}
	}
	return nil, "", false, nil
}

type fakeState struct {
	deployments map[string]*state.Deployment
	history     []state.Deployment
	applied     *state.Applied
	drift       *state.DriftReport
	lock        *state.Lock
	err         error
	// listLimit is the limit the last ListDeployments asked for.
	listLimit int
}

func (f *fakeState) GetDeployment(_ context.Context, app, stage, id string) (*state.Deployment, error) {
	if f.err != nil {
		return nil, f.err
	}
	d := f.deployments[id]
	if d == nil || d.App != app || d.Stage != stage {
		return nil, nil
	}
	return d, nil
}

func (f *fakeState) ListDeployments(_ context.Context, _, _ string, limit int) ([]state.Deployment, error) {
	f.listLimit = limit
	if f.err != nil {
		return nil, f.err
	}
	return f.history[:min(limit, len(f.history))], nil
}

func (f *fakeState) LoadApplied(context.Context, string, string) (*state.Applied, error) {
	return f.applied, f.err
}

func (f *fakeState) LoadDrift(context.Context, string, string) (*state.DriftReport, error) {
	return f.drift, f.err
}

func (f *fakeState) GetLock(context.Context, string, string) (*state.Lock, error) {
	return f.lock, f.err
}

type fakeRemover struct {
	started []stage.RemoveRequest
	err     error
}

func (f *fakeRemover) StartRemove(_ context.Context, req stage.RemoveRequest) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	f.started = append(f.started, req)
	return "arn:aws:states:eu-west-1:123456789012:execution:berth-remove:" + req.DeploymentID, nil
}

var testNow = time.Date(2026, 7, 20, 10, 15, 30, 0, time.UTC)

// harness is a Server over fakes, with ids dep-1, dep-2, ... and a fixed clock.
type harness struct {
	srv     *Server
	configs *fakeConfigs
	state   *fakeState
	remover *fakeRemover
	logs    *bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{configs: &fakeConfigs{}, state: &fakeState{deployments: map[string]*state.Deployment{}},
		remover: &fakeRemover{}, logs: &bytes.Buffer{}}
	n := 0
	h.srv = New(Options{
		Configs: h.configs, State: h.state, Remover: h.remover,
		Sources: stage.SourceStore{Client: emptyBucket{}, Presign: emptyBucket{}, ConfigBucket: "configs", ArtifactsBucket: "artifacts"},
		IDs:     IDFunc(func() string { n++; return fmt.Sprintf("dep-%d", n) }),
		Clock:   ClockFunc(func() time.Time { return testNow }),
		Target:  testTarget,
		Log:     slog.New(slog.NewJSONHandler(h.logs, nil)),
	})
	return h
}

// do sends one request and returns the recorded response.
func (h *harness) do(method, path string, body []byte) *httptest.ResponseRecorder {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return rec
}

// decode parses a JSON response body into T, failing on anything else.
func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("response %q: %v", rec.Body.String(), err)
	}
	return v
}

// apiError is the error envelope as a client reads it.
type apiError struct {
	Error struct {
		Code      string       `json:"code"`
		Message   string       `json:"message"`
		RequestID string       `json:"requestId"`
		Errors    []Diagnostic `json:"errors"`
	} `json:"error"`
}

// wantError checks status and code of an error response and returns it.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) apiError {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	e := decode[apiError](t, rec)
	if e.Error.Code != code {
		t.Errorf("code %q, want %q; body %s", e.Error.Code, code, rec.Body)
	}
	if strings.TrimSpace(e.Error.Message) == "" {
		t.Errorf("error without a message: %s", rec.Body)
	}
	return e
}

// emptyBucket is S3 with nothing stored: every read is S3's missing-key error (HeadObject's
// 404 NotFound, GetObject's NoSuchKey), every write succeeds.
type emptyBucket struct{}

func (emptyBucket) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, &s3types.NotFound{}
}

func (emptyBucket) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, &s3types.NoSuchKey{}
}

func (emptyBucket) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return &s3.PutObjectOutput{}, nil
}

func (emptyBucket) PresignPutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	return &v4.PresignedHTTPRequest{Method: "PUT", URL: "https://artifacts.s3.amazonaws.com/" + *in.Key, SignedHeader: http.Header{}}, nil
}
