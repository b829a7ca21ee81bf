package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/srcpkg"
	"github.com/berth-dev/berth/internal/stage"
)

// A config whose container has src and no image, deployed through the API: sources go
// straight to S3 by presigned PUT (moto checks the signature), the deployment names them.

func srcOnlyConfig(t *testing.T) []byte {
	t.Helper()
	return bytes.Replace(sampleConfig(t), []byte("    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app-api:1.4.2\n"), []byte("    src: ./api\n"), 1)
}

// packAPI packs a small tree with srcpkg, as a client does.
func packAPI(t *testing.T) (srcpkg.Archive, []byte) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	a, err := srcpkg.Pack(dir, &buf, srcpkg.Options{Key: "containers.api.src"})
	if err != nil {
		t.Fatal(err)
	}
	return a, buf.Bytes()
}

func prepare(t *testing.T, e *motoEnv, a srcpkg.Archive) stage.PreparedSources {
	t.Helper()
	body, _ := json.Marshal(api.SourcesRequest{Sources: map[string]stage.SourceRef{"api": {Hash: a.Hash, Size: a.Size}}})
	rec := e.do(t, "POST", "/v1/apps/my-app/stages/prod/sources", body)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST sources: %d %s", rec.Code, rec.Body)
	}
	var out stage.PreparedSources
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAnAPIClientUploadsItsSourceByPresignedPutAndTheDeploymentNamesIt(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	a, archive := packAPI(t)

	prep := prepare(t, e, a)
	if len(prep.Uploads) != 1 || prep.Uploads[0].Container != "api" || prep.Uploads[0].Method != "PUT" ||
		prep.Uploads[0].Key != stage.SourceKey("my-app", "prod", "api", a.Hash) || !strings.HasPrefix(prep.Manifest, "sources/my-app/prod/manifests/") {
		t.Fatalf("prepared %+v, want one PUT of api's archive and a manifest", prep)
	}
	u := prep.Uploads[0]
	req, _ := http.NewRequest(u.Method, u.URL, bytes.NewReader(archive))
	for h, v := range u.Headers {
		req.Header.Set(h, v)
	}
	req.ContentLength = int64(len(archive))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %s", res.Status)
	}

	acc := accepted(t, e.do(t, "POST", "/v1/apps/my-app/stages/prod/deployments?sources="+prep.Manifest, srcOnlyConfig(t)))
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(e.settings.ConfigBucket), Key: aws.String(stage.Key("my-app", "prod")), VersionId: aws.String(acc.ConfigVersion)})
	if err != nil {
		t.Fatal(err)
	}
	if head.Metadata[stage.MetadataSources] != prep.Manifest {
		t.Errorf("config metadata %v, want %s=%s", head.Metadata, stage.MetadataSources, prep.Manifest)
	}
	cfg, err := config.Load(ctx, srcOnlyConfig(t), config.Options{Stage: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	store := stage.SourceStore{Client: e.s3, ConfigBucket: e.settings.ConfigBucket, ArtifactsBucket: e.settings.ArtifactsBucket}
	got, err := store.ResolveConfig(ctx, cfg, "my-app", "prod", stage.Key("my-app", "prod"), acc.ConfigVersion)
	if err != nil || got["api"].Hash != a.Hash || got["api"].Key != u.Key {
		t.Errorf("the workflow would resolve %v (%v), want api at %s with hash %s", got, err, u.Key, a.Hash)
	}

	// The same source again: nothing to upload, the same manifest.
	if again := prepare(t, e, a); len(again.Uploads) != 0 || again.Manifest != prep.Manifest {
		t.Errorf("preparing unchanged source again: %+v, want no uploads and manifest %s", again, prep.Manifest)
	}
}

func TestASrcOnlyConfigWithoutItsSourceIsRefusedNamingTheKeyAndNothingIsStored(t *testing.T) {
	e := newMotoEnv(t)
	rec := e.do(t, "POST", "/v1/apps/my-app/stages/prod/deployments", srcOnlyConfig(t))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":"invalid_config"`) ||
		!strings.Contains(rec.Body.String(), `"path":"containers.api.src"`) || !strings.Contains(rec.Body.String(), "my-app/prod/src/api.tar.gz") {
		t.Errorf("status %d: %s, want invalid_config at containers.api.src naming the S3 drop", rec.Code, rec.Body)
	}
	out, err := e.s3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(e.settings.ConfigBucket)})
	if err != nil || len(out.Versions) != 0 {
		t.Errorf("config bucket holds %d versions (%v), want none", len(out.Versions), err)
	}
}

func TestMalformedSourcesAreInvalidSourcesNamingTheKey(t *testing.T) {
	e := newMotoEnv(t)
	cases := []struct{ name, body, path string }{
		{"a hash that is not srcpkg's", `{"sources":{"api":{"hash":"abc","size":10}}}`, "sources.api.hash"},
		{"a size over the source limit", `{"sources":{"api":{"hash":"` + strings.Repeat("a", 64) + `","size":999999999999}}}`, "sources.api.size"},
		{"a container name the config could not have", `{"sources":{"API_1":{"hash":"` + strings.Repeat("a", 64) + `","size":10}}}`, "sources.API_1"},
		{"no sources", `{"sources":{}}`, "sources"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := e.do(t, "POST", "/v1/apps/my-app/stages/prod/sources", []byte(c.body))
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":"invalid_sources"`) || !strings.Contains(rec.Body.String(), `"path":"`+c.path+`"`) {
				t.Errorf("status %d: %s, want invalid_sources at %s", rec.Code, rec.Body, c.path)
			}
		})
	}
	if rec := e.do(t, "POST", "/v1/apps/my-app/stages/prod/sources", []byte(`{"srcs":{}}`)); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "invalid_sources") {
		t.Errorf("unknown field: %d %s", rec.Code, rec.Body)
	}
}
