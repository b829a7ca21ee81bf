package stage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/motoserver"
)

// The sources against real S3 in moto (TestMain starts moto_server).

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const srcConfig = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    src: ./api
    routing:
      pathPattern: /api/*
      pathHealthCheck: /health
    compute:
      type: awsLambda
  web:
    src: ./web
    routing:
      pathPattern: /*
      pathHealthCheck: /
    compute:
      type: awsFargateEcs
  docs:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docs:1
    routing:
      pathPattern: /docs/*
      pathHealthCheck: /docs
    compute:
      type: awsLambda
`

// countingS3 counts the PutObject calls that reach S3.
type countingS3 struct {
	*s3.Client
	puts atomic.Int64
}

func (c *countingS3) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.puts.Add(1)
	return c.Client.PutObject(ctx, in, opts...)
}

type sourcesEnv struct {
	store SourceStore
	s3    *countingS3
	dir   string // the config file's directory, with api/ and web/
}

func newSourcesEnv(t *testing.T) *sourcesEnv {
	t.Helper()
	ctx := context.Background()
	if err := motoserver.Shared.Reset(); err != nil {
		t.Fatal(err)
	}
	cfg, err := motoserver.Shared.AWSConfig(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingS3{Client: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })}
	for _, b := range []string{"berth-configs", "berth-artifacts"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
			t.Fatal(err)
		}
	}
	// template.yaml versions the config bucket; the S3 drop relies on it.
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("berth-configs"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"api/Dockerfile": "FROM scratch\n", "api/main.go": "package main\n",
		"web/package.json": `{"name":"web"}`, "web/index.js": "console.log(1)\n",
	})
	c.puts.Store(0)
	return &sourcesEnv{store: SourceStore{Client: c, ConfigBucket: "berth-configs", ArtifactsBucket: "berth-artifacts"}, s3: c, dir: dir}
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *sourcesEnv) upload(t *testing.T) (string, map[string]Packed) {
	t.Helper()
	key, packed, err := e.store.Upload(context.Background(), load(t, srcConfig), e.dir, "shop", "prod")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Packed{}
	for _, p := range packed {
		byName[p.Container] = p
	}
	return key, byName
}

// submit uploads the config as berth deploy does and returns its version.
func (e *sourcesEnv) submit(t *testing.T, manifest string) string {
	t.Helper()
	return e.submitApp(t, "shop", srcConfig, manifest)
}

func TestUnchangedSourceIsNotUploadedAgainAndAChangedFileUploadsOnlyItsContainer(t *testing.T) {
	e := newSourcesEnv(t)
	key1, first := e.upload(t)
	if len(first) != 2 || first["docs"].Container != "" {
		t.Fatalf("packed %v, want api and web (docs names an image)", first)
	}
	if n := e.s3.puts.Load(); n != 3 {
		t.Errorf("first upload made %d PutObject calls, want 3 (two archives, one manifest)", n)
	}
	if !first["api"].Archive.Dockerfile || first["web"].Archive.Dockerfile {
		t.Errorf("dockerfile flags api=%v web=%v, want true and false", first["api"].Archive.Dockerfile, first["web"].Archive.Dockerfile)
	}

	e.s3.puts.Store(0)
	key2, again := e.upload(t)
	if n := e.s3.puts.Load(); n != 0 {
		t.Errorf("redeploying unchanged source made %d PutObject calls, want 0", n)
	}
	if key2 != key1 || again["api"].Uploaded || again["web"].Uploaded {
		t.Errorf("unchanged source: manifest %s then %s, uploaded api=%v web=%v", key1, key2, again["api"].Uploaded, again["web"].Uploaded)
	}

	writeTree(t, e.dir, map[string]string{"web/index.js": "console.log(2)\n"})
	e.s3.puts.Store(0)
	key3, changed := e.upload(t)
	if n := e.s3.puts.Load(); n != 2 {
		t.Errorf("changing one file made %d PutObject calls, want 2 (its archive, a new manifest)", n)
	}
	if changed["web"].Archive.Hash == first["web"].Archive.Hash || changed["api"].Archive.Hash != first["api"].Archive.Hash {
		t.Errorf("hashes after changing web/index.js: web %s→%s, api %s→%s; want only web's to change",
			first["web"].Archive.Hash, changed["web"].Archive.Hash, first["api"].Archive.Hash, changed["api"].Archive.Hash)
	}
	if key3 == key1 || !changed["web"].Uploaded || changed["api"].Uploaded {
		t.Errorf("manifest %s (was %s), uploaded web=%v api=%v", key3, key1, changed["web"].Uploaded, changed["api"].Uploaded)
	}
}

func TestTheSameTreeCheckedOutTwiceIsTheSameArchiveKey(t *testing.T) {
	e := newSourcesEnv(t)
	_, first := e.upload(t)
	other := newSourcesEnvDir(t, e)
	if first["api"].Key != other["api"].Key || first["web"].Key != other["web"].Key {
		t.Errorf("keys differ between two checkouts of one tree: %s/%s vs %s/%s", first["api"].Key, first["web"].Key, other["api"].Key, other["web"].Key)
	}
}

// newSourcesEnvDir packs a second copy of e's tree, written later, from another directory.
func newSourcesEnvDir(t *testing.T, e *sourcesEnv) map[string]Packed {
	t.Helper()
	copyEnv := *e
	copyEnv.dir = t.TempDir()
	writeTree(t, copyEnv.dir, map[string]string{
		"web/index.js": "console.log(1)\n", "web/package.json": `{"name":"web"}`,
		"api/main.go": "package main\n", "api/Dockerfile": "FROM scratch\n",
	})
	_, packed := copyEnv.upload(t)
	return packed
}

func TestAConfigUploadedWithItsManifestResolvesToTheArchivesItWasUploadedWith(t *testing.T) {
	e := newSourcesEnv(t)
	manifest, packed := e.upload(t)
	v1 := e.submit(t, manifest)

	writeTree(t, e.dir, map[string]string{"api/main.go": "package main // v2\n"})
	manifest2, _ := e.upload(t)
	e.submit(t, manifest2)

	got, err := e.store.ResolveConfig(context.Background(), load(t, srcConfig), "shop", "prod", Key("shop", "prod"), v1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("resolved %v, want api and web", got)
	}
	for _, name := range []string{"api", "web"} {
		s := got[name]
		if s.Bucket != "berth-artifacts" || s.Key != packed[name].Key || s.Hash != packed[name].Archive.Hash {
			t.Errorf("%s resolved to %+v, want %s with hash %s (the first upload's)", name, s, packed[name].Key, packed[name].Archive.Hash)
		}
	}
}

func TestADroppedArchiveIsPinnedByVersionAndNamedByItsHashMetadataOrItsETag(t *testing.T) {
	e := newSourcesEnv(t)
	ctx := context.Background()
	put := func(key, body string, meta map[string]string) *s3.PutObjectOutput {
		out, err := e.s3.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("berth-configs"), Key: aws.String(key), Body: strings.NewReader(body), Metadata: meta})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	hash := strings.Repeat("ab", 32)
	apiDrop := put(DropKey("shop", "prod", "api"), "api archive", map[string]string{MetadataSourceHash: hash})
	webDrop := put(DropKey("shop", "prod", "web"), "web archive", nil)
	v := e.submit(t, "")

	got, err := e.store.ResolveConfig(ctx, load(t, srcConfig), "shop", "prod", Key("shop", "prod"), v)
	if err != nil {
		t.Fatal(err)
	}
	api, web := got["api"], got["web"]
	if api.Bucket != "berth-configs" || api.Key != "shop/prod/src/api.tar.gz" || api.VersionID != aws.ToString(apiDrop.VersionId) || api.Hash != hash {
		t.Errorf("api resolved to %+v, want the dropped archive's version %s with its metadata hash", api, aws.ToString(apiDrop.VersionId))
	}
	etag := strings.Trim(aws.ToString(webDrop.ETag), `"`)
	if web.VersionID != aws.ToString(webDrop.VersionId) || web.Hash != etag || etag == "" {
		t.Errorf("web resolved to %+v, want version %s and hash %s (its ETag)", web, aws.ToString(webDrop.VersionId), etag)
	}

	again := put(DropKey("shop", "prod", "web"), "web archive, changed", nil)
	got, err = e.store.ResolveConfig(ctx, load(t, srcConfig), "shop", "prod", Key("shop", "prod"), v)
	if err != nil {
		t.Fatal(err)
	}
	if got["web"].VersionID != aws.ToString(again.VersionId) || got["web"].Hash == web.Hash {
		t.Errorf("after a new drop web resolved to %+v, want the new version with a new hash", got["web"])
	}
}

func TestAManifestEntryWinsOverADroppedArchive(t *testing.T) {
	e := newSourcesEnv(t)
	ctx := context.Background()
	if _, err := e.s3.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("berth-configs"), Key: aws.String(DropKey("shop", "prod", "api")), Body: strings.NewReader("old")}); err != nil {
		t.Fatal(err)
	}
	manifest, packed := e.upload(t)
	got, err := e.store.ResolveConfig(ctx, load(t, srcConfig), "shop", "prod", Key("shop", "prod"), e.submit(t, manifest))
	if err != nil {
		t.Fatal(err)
	}
	if got["api"].Key != packed["api"].Key {
		t.Errorf("api resolved to %+v, want the uploaded %s", got["api"], packed["api"].Key)
	}
}

func TestASourceThatCannotBeFoundIsAnErrorNamingTheKeyAndBothWaysToProvideIt(t *testing.T) {
	e := newSourcesEnv(t)
	_, err := e.store.ResolveConfig(context.Background(), load(t, srcConfig), "shop", "prod", Key("shop", "prod"), e.submit(t, ""))
	var se *SourceError
	if !errors.As(err, &se) || se.Key != "containers.api.src" {
		t.Fatalf("err = %v, want a SourceError for containers.api.src", err)
	}
	for _, want := range []string{"berth deploy -f FILE", "s3://berth-configs/shop/prod/src/api.tar.gz"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

func TestAConfigNamingAnotherStagesManifestIsRefused(t *testing.T) {
	e := newSourcesEnv(t)
	ctx := context.Background()
	other, _, err := e.store.Upload(ctx, load(t, srcConfig), e.dir, "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.store.ResolveConfig(ctx, load(t, srcConfig), "shop", "prod", Key("shop", "prod"), e.submit(t, other))
	var se *SourceError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "not a source manifest of shop/prod") {
		t.Errorf("err = %v, want a refusal of shop/dev's manifest", err)
	}
}

func TestAMissingOrNonDirectorySrcIsRefusedBeforeAnyUpload(t *testing.T) {
	cases := []struct {
		name, remove, file, want string
	}{
		{"a missing src names the path and the fix", "web", "", "web does not exist: src is relative to the config file's directory"},
		{"a file as src says it must be a directory", "web", "web", "web is not a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newSourcesEnv(t)
			if err := os.RemoveAll(filepath.Join(e.dir, c.remove)); err != nil {
				t.Fatal(err)
			}
			if c.file != "" {
				writeTree(t, e.dir, map[string]string{c.file: "not a dir"})
			}
			_, _, err := e.store.Upload(context.Background(), load(t, srcConfig), e.dir, "shop", "prod")
			var se *SourceError
			if !errors.As(err, &se) || se.Key != "containers.web.src" || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want containers.web.src: ...%s", err, c.want)
			}
			if n := e.s3.puts.Load(); n != 0 {
				t.Errorf("%d PutObject calls, want none: api's archive must not go up when web's src is bad", n)
			}
		})
	}
}

// 150 containers (the benchmark app's size; the config itself is built in Go, past
// today's per-app limit): one metadata entry names them all, the first upload puts 150
// archives and one manifest, the redeploy puts nothing.
func TestOneHundredFiftyContainersFitOneManifestAndRedeployUploadsNothing(t *testing.T) {
	e := newSourcesEnv(t)
	cfg := &config.Config{Name: "big", Stage: "prod"}
	files := map[string]string{}
	for i := range 150 {
		name := fmt.Sprintf("c%03d", i)
		cfg.Containers = append(cfg.Containers, config.Container{Name: name, Src: "./" + name})
		files[name+"/main.go"] = "package main // " + name + "\n"
	}
	writeTree(t, e.dir, files)
	start := time.Now()
	key, packed, err := e.store.Upload(context.Background(), cfg, e.dir, "big", "prod")
	if err != nil {
		t.Fatal(err)
	}
	firstTook := time.Since(start)
	if len(packed) != 150 || e.s3.puts.Load() != 151 {
		t.Fatalf("packed %d, %d PutObject calls; want 150 and 151", len(packed), e.s3.puts.Load())
	}
	v := e.submitApp(t, "big", srcConfig, key)
	got, err := e.store.ResolveConfig(context.Background(), cfg, "big", "prod", Key("big", "prod"), v)
	if err != nil || len(got) != 150 {
		t.Fatalf("resolved %d sources (%v), want 150", len(got), err)
	}
	e.s3.puts.Store(0)
	start = time.Now()
	if _, _, err := e.store.Upload(context.Background(), cfg, e.dir, "big", "prod"); err != nil {
		t.Fatal(err)
	}
	if n := e.s3.puts.Load(); n != 0 {
		t.Errorf("redeploying 150 unchanged sources made %d PutObject calls, want 0", n)
	}
	t.Logf("150 containers against moto: first upload %s, unchanged redeploy %s", firstTook.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// submitApp uploads body as app's prod config naming manifest and returns its version.
func (e *sourcesEnv) submitApp(t *testing.T, app, body, manifest string) string {
	t.Helper()
	v, err := Submit(context.Background(), S3ConfigBucket{Client: e.s3.Client, Bucket: "berth-configs"}, app, "prod", []byte(body), "dep-1", manifest)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
