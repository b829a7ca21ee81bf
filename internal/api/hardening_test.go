package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// doRaw sends path exactly as written (".." and "//" included), as a client on the wire can.
func (h *harness) doRaw(t testing.TB, method, path string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	u, err := url.ParseRequestURI(path)
	if err != nil {
		t.Fatal(err)
	}
	req.URL, req.RequestURI = u, path
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return rec
}

func TestPathsServeMuxWouldRedirectGetTheJSONEnvelopeInstead(t *testing.T) {
	for _, p := range []string{
		"/v1/apps/my-app/stages/../stages/prod",
		"/v1/apps//my-app/stages/prod",
		"/v1/apps/my-app/stages/./prod/deployments",
		"/v1/apps/my-app/stages/prod/deployments/..",
	} {
		t.Run(p, func(t *testing.T) {
			h := newHarness(t)
			h.state.applied = appliedFor(t, validConfig)
			rec := h.doRaw(t, "GET", p, nil)
			wantError(t, rec, http.StatusBadRequest, CodeInvalidPath)
			if loc := rec.Header().Get("Location"); loc != "" {
				t.Errorf("Location %q: the API never redirects", loc)
			}
		})
	}
}

func TestNotFoundAndMethodNotAllowedClipTheEchoedPath(t *testing.T) {
	long := "/v1/" + strings.Repeat("x", 5000)
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", long, http.StatusNotFound, CodeNotFound},
		{"PUT", "/v1/apps/my-app/stages/" + strings.Repeat("p", 5000), http.StatusMethodNotAllowed, CodeMethodNotAllowed},
	} {
		rec := newHarness(t).do(tc.method, tc.path, nil)
		e := wantError(t, rec, tc.status, tc.code)
		if len(e.Error.Message) > 300 {
			t.Errorf("%s %d-byte path: a %d-byte message echoes it whole", tc.method, len(tc.path), len(e.Error.Message))
		}
	}
}

// The probe's hostile configs (audits/security-probe.md rows 2.23 and 2.24): through the
// API they end as a short 400, not a 514 MB plan.
func hostileBodies() map[string][]byte {
	const img = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.0"
	head := "name: my-app\ndeployment:\n  type: aws@1.0\n"
	n := 36000
	nested := head + "containers:\n  api:\n    image: " + img + "\n    routing: {pathPattern: /*}\n    environment:\n      X: '" +
		strings.Repeat("${env:", n) + "A" + strings.Repeat("}", n) + "'\n"
	var b strings.Builder
	b.WriteString(head + "stages:\n  default:\n    params:\n      p: '" + strings.Repeat("A", 65000) + "'\ncontainers:\n  web:\n    image: " + img +
		"\n    routing: {pathPattern: /*}\n    compute: {type: awsFargateEcs}\n    environment:\n")
	for i := 0; b.Len() < MaxBody-240; i++ {
		fmt.Fprintf(&b, "      E%d: ${param:p}x\n", i)
	}
	return map[string][]byte{"nested variables": []byte(nested), "amplified parameter": []byte(b.String())}
}

func TestHostileConfigsGetAShortInvalidConfigAnswer(t *testing.T) {
	for name, body := range hostileBodies() {
		for _, route := range []string{"/plan", "/deployments"} {
			t.Run(name+route, func(t *testing.T) {
				h := newHarness(t)
				rec := h.do("POST", "/v1/apps/my-app/stages/dev"+route, body)
				wantError(t, rec, http.StatusBadRequest, CodeInvalidConfig)
				if rec.Body.Len() > 4096 {
					t.Errorf("a %d-byte answer", rec.Body.Len())
				}
				if len(h.configs.puts) != 0 {
					t.Errorf("stored %d configs", len(h.configs.puts))
				}
			})
		}
	}
}

// BenchmarkAPIHostileConfigs measures what refusing each hostile body costs the API
// function (256 MB): B/op with -benchmem, and the answer's size.
func BenchmarkAPIHostileConfigs(b *testing.B) {
	for name, body := range hostileBodies() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			h := newHarness(&testing.T{})
			size := 0
			for b.Loop() {
				rec := h.do("POST", "/v1/apps/my-app/stages/dev/plan", body)
				if rec.Code != http.StatusBadRequest {
					b.Fatalf("status %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "answer-bytes")
		})
	}
}

// FuzzAPI sends arbitrary methods, raw paths and bodies. Every answer is the JSON
// envelope or a documented JSON body: never a redirect, never HTML, never a panic text,
// and an error code the API documents.
func FuzzAPI(f *testing.F) {
	f.Add("POST", "/v1/apps/my-app/stages/prod/deployments", []byte(validConfig))
	f.Add("POST", "/v1/apps/my-app/stages/prod/plan", []byte(validConfig))
	f.Add("GET", "/v1/apps/my-app/stages/prod/deployments?limit=5", []byte(nil))
	f.Add("GET", "/v1/apps/my-app/stages/../stages/prod", []byte(nil))
	f.Add("DELETE", "/v1/apps/my-app/stages/prod", []byte(nil))
	f.Add("POST", "/v1/apps/my-app/stages/prod/sources", []byte(`{"sources":{"api":{"hash":"`+strings.Repeat("a", 64)+`","size":10}}}`))
	f.Add("PUT", "/v1/apps//x/%2e%2e/deployments/dep-1", []byte("name: ${env:${env:x}}"))
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		u, err := url.ParseRequestURI(path)
		if err != nil || !validMethod(method) {
			return
		}
		h := newHarness(t) // nothing applied: the fake store answers for every app and stage alike
		req := httptest.NewRequest("GET", "/", bytes.NewReader(body))
		req.Method, req.URL, req.RequestURI = method, u, path
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, req)
		if rec.Code >= 300 && rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", method, path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %q: Content-Type %q", method, path, ct)
		}
		var env apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("%s %q: not JSON: %q", method, path, rec.Body)
		}
		if rec.Code >= 400 && !slices.Contains(ErrorCodes, env.Error.Code) {
			t.Fatalf("%s %q: undocumented code %q", method, path, env.Error.Code)
		}
		if rec.Code >= 400 && len(env.Error.Message) > 2048 {
			t.Fatalf("%s %q: a %d-byte message", method, path, len(env.Error.Message))
		}
	})
}

// validMethod is what net/http accepts as a method token.
func validMethod(m string) bool {
	return m != "" && !strings.ContainsFunc(m, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) })
}
