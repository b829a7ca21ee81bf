package imagebuild

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/berth-dev/berth/internal/motoserver"
)

var repoSeq atomic.Int64

func TestALocalBuildIsRecordedInTheEmulatorsECRWithTheRegistrysDigest(t *testing.T) {
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	api := awsecr.NewFromConfig(cfg)
	repo := fmt.Sprintf("berth/shop-dev/api-%d", repoSeq.Add(1))
	if _, err := api.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(repo)}); err != nil {
		t.Fatal(err)
	}
	r := newRegistry(t)
	a, archive := packed(t, map[string]string{"Dockerfile": "FROM scratch\n", "server.js": "listen(8080)"})
	built, err := LocalBuilder{}.Build(ctx, LocalBuild{Repository: r.host + "/" + repo, Hash: a.Hash, Archive: bytes.NewReader(archive), Arch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time is a repeat and succeeds
		if err := Register(ctx, api, repo, a.Hash, built.Reference); err != nil {
			t.Fatal(err)
		}
	}
	out, err := api.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(a.Hash)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ImageDetails) != 1 || aws.ToString(out.ImageDetails[0].ImageDigest) != built.Digest {
		t.Fatalf("ECR has %+v, want one image with the registry's digest %s", out.ImageDetails, built.Digest)
	}
}
