package codebuild

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MotoTimestamps wraps the HTTP transport of a CodeBuild client that talks to moto
// (tests and `berth local run`). moto 5.2.1 writes build timestamps (startTime, endTime,
// phase times) as ISO-8601 strings, but CodeBuild's JSON 1.1 protocol sends timestamps as
// epoch seconds, so the Go SDK refuses moto's StartBuild and BatchGetBuilds responses
// ("expected Timestamp to be a JSON Number"). This rewrites those strings to the epoch
// numbers AWS sends; every other response passes through untouched.
func MotoTimestamps(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return motoTimestamps{base}
}

type motoTimestamps struct{ base http.RoundTripper }

func (m motoTimestamps) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(req.Header.Get("X-Amz-Target"), "CodeBuild_") {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&doc) == nil {
		if fixed, err := json.Marshal(epochs(doc)); err == nil {
			raw = fixed
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Set("Content-Length", strconv.Itoa(len(raw)))
	return resp, nil
}

// epochs replaces ISO-8601 strings under *Time keys with epoch seconds, recursively.
func epochs(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && strings.HasSuffix(k, "Time") {
				if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
					t[k] = json.Number(strconv.FormatFloat(float64(ts.UnixMilli())/1000, 'f', 3, 64))
					continue
				}
			}
			t[k] = epochs(val)
		}
	case []any:
		for i := range t {
			t[i] = epochs(t[i])
		}
	}
	return v
}
