package codebuild

import (
	"context"
	"fmt"

	"bytes"
	"encoding/json"
	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"
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

// MotoProjects is the CodeBuild SDK client against moto (tests and `berth local run`)
// with two moto 5.2.1 gaps filled the way AWS behaves:
//   - moto requires source.location for every source type (codebuild/responses.py,
//     _validate_required_params_source); AWS takes none for NO_SOURCE, whose build is the
//     buildspec (API_ProjectSource). A placeholder location is sent to moto only.
//   - moto has no UpdateProject; AWS changes the given settings of the project in place
//     and keeps the rest, tags included (API_UpdateProject). Here: read, delete, recreate
//     with the changes applied.
type MotoProjects struct{ *cb.Client }

func (m MotoProjects) CreateProject(ctx context.Context, in *cb.CreateProjectInput, opts ...func(*cb.Options)) (*cb.CreateProjectOutput, error) {
	if in.Source != nil && in.Source.Type == types.SourceTypeNoSource && in.Source.Location == nil {
		cp, src := *in, *in.Source
		src.Location = aws.String("moto-requires-a-location")
		cp.Source = &src
		in = &cp
	}
	return m.Client.CreateProject(ctx, in, opts...)
}

func (m MotoProjects) UpdateProject(ctx context.Context, in *cb.UpdateProjectInput, opts ...func(*cb.Options)) (*cb.UpdateProjectOutput, error) {
	got, err := m.Client.BatchGetProjects(ctx, &cb.BatchGetProjectsInput{Names: []string{aws.ToString(in.Name)}})
	if err != nil || len(got.Projects) == 0 {
		return nil, fmt.Errorf("update project %s: not found (%v)", aws.ToString(in.Name), err)
	}
	p := got.Projects[0]
	create := &cb.CreateProjectInput{Name: p.Name, Source: p.Source, Environment: p.Environment, LogsConfig: p.LogsConfig,
		Artifacts: p.Artifacts, ServiceRole: p.ServiceRole, TimeoutInMinutes: p.TimeoutInMinutes, Tags: p.Tags, Description: p.Description}
	if in.Source != nil {
		create.Source = in.Source
	}
	if in.Environment != nil {
		create.Environment = in.Environment
	}
	if in.LogsConfig != nil {
		create.LogsConfig = in.LogsConfig
	}
	if in.ServiceRole != nil {
		create.ServiceRole = in.ServiceRole
	}
	if in.TimeoutInMinutes != nil {
		create.TimeoutInMinutes = in.TimeoutInMinutes
	}
	if _, err := m.Client.DeleteProject(ctx, &cb.DeleteProjectInput{Name: in.Name}); err != nil {
		return nil, err
	}
	out, err := m.CreateProject(ctx, create, opts...)
	if err != nil {
		return nil, err
	}
	return &cb.UpdateProjectOutput{Project: out.Project}, nil
}
