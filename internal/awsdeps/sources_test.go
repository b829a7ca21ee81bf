package awsdeps

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/workflow"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

// The workflow's consumer interface for sources (workflow.Deps.Sources), as the brief
// between the front doors and the build fixes it.
var _ interface {
	Sources(ctx context.Context, c workflow.Ctx, cfg *config.Config) (map[string]plan.Source, error)
} = SourceFinder{}

const srcOnly = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    src: ./api
    routing:
      pathPattern: /*
      pathHealthCheck: /health
    compute:
      type: awsLambda
`

func TestTheWorkflowFindsADroppedSourceAndAMissingOneIsAConfigErrorNamingTheKey(t *testing.T) {
	ctx := context.Background()
	if err := motoserver.Shared.Reset(); err != nil {
		t.Fatal(err)
	}
	awsCfg, err := motoserver.Shared.AWSConfig(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
	s := Settings{ConfigBucket: "berth-configs", ArtifactsBucket: "berth-artifacts"}
	for _, b := range []string{s.ConfigBucket, s.ArtifactsBucket} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(s.ConfigBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put := func(key, body string) string {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.ConfigBucket), Key: aws.String(key), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	cfg, err := config.Load(ctx, []byte(srcOnly), config.Options{Stage: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	f := NewSourceFinder(c, s)
	wc := workflow.Ctx{App: "shop", Stage: "prod", Bucket: s.ConfigBucket, Key: stage.Key("shop", "prod")}

	wc.VersionID = put(wc.Key, srcOnly)
	_, err = f.Sources(ctx, wc, cfg)
	var ce *workflow.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "containers.api.src") || !strings.Contains(ce.Message, "shop/prod/src/api.tar.gz") {
		t.Fatalf("err = %v, want a ConfigError naming containers.api.src and the S3 drop", err)
	}

	dropVersion := put(stage.DropKey("shop", "prod", "api"), "archive")
	got, err := f.Sources(ctx, wc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if src := got["api"]; src.Bucket != s.ConfigBucket || src.VersionID != dropVersion || src.Hash == "" {
		t.Errorf("api resolved to %+v, want the dropped archive's version %s", src, dropVersion)
	}
}
