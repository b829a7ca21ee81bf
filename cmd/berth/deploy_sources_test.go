package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/localrun"
	"github.com/berth-dev/berth/internal/stage"
)

// berth deploy of an SCF example built from src, against the local runtime's buckets (no
// pump: the deployment itself is not started): the source goes up once under its hash, the
// config names it, an unchanged tree is not uploaded again and a changed file is.
func TestDeployUploadsEachSourceOnceUnderItsHashAndTheConfigNamesIt(t *testing.T) {
	ctx := context.Background()
	s, err := localrun.NewSession(ctx, localrun.SessionOptions{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	target := sessionTarget(s)
	useTarget(t, target)
	work := filepath.Join(t.TempDir(), "express")
	if err := os.CopyFS(work, os.DirFS("testdata/scf-examples/example-express")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(work, "example-express.yml")
	line := regexp.MustCompile(`(?m)^source service: \S+ \(\d+ files, Dockerfile\) (uploaded|unchanged) s3://berth-artifacts/(sources/express/dev/service/([0-9a-f]{64})\.tar\.gz)$`)

	first := line.FindStringSubmatch(mustRun(t, 0, "deploy", "-f", file, "--stage", "dev", "--no-wait"))
	if first == nil || first[1] != "uploaded" {
		t.Fatalf("first deploy: source line %q, want uploaded", first)
	}
	head, err := target.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(target.Names.ConfigBucket), Key: aws.String(stage.Key("express", "dev"))})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(file)
	cfg, err := config.Load(ctx, body, config.Options{Stage: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	store := stage.SourceStore{Client: target.S3, ConfigBucket: target.Names.ConfigBucket, ArtifactsBucket: target.Names.ArtifactsBucket}
	got, err := store.ResolveConfig(ctx, cfg, "express", "dev", stage.Key("express", "dev"), aws.ToString(head.VersionId))
	if err != nil || got["service"].Key != first[2] || got["service"].Hash != first[3] {
		t.Fatalf("the uploaded config resolves to %+v (%v), want %s", got, err, first[2])
	}

	again := line.FindStringSubmatch(mustRun(t, 0, "deploy", "-f", file, "--stage", "dev", "--no-wait"))
	if again == nil || again[1] != "unchanged" || again[3] != first[3] {
		t.Errorf("redeploy: source line %q, want unchanged with hash %s", again, first[3])
	}

	if err := os.WriteFile(filepath.Join(work, "service", "server.js"), []byte("// changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed := line.FindStringSubmatch(mustRun(t, 0, "deploy", "-f", file, "--stage", "dev", "--no-wait"))
	if changed == nil || changed[1] != "uploaded" || changed[3] == first[3] {
		t.Errorf("after a change: source line %q, want uploaded under a new hash", changed)
	}
}
