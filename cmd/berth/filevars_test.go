package main

import (
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/localrun"
)

// deploy uploads the files a config's ${file()} variables read beside it, and the deploy
// workflow reads them from there (issue 16, item 2).
func TestDeployUploadsFileVariablesBesideTheConfigAndTheWorkflowReadsThem(t *testing.T) {
	ctx := context.Background()
	s, target := cliSession(t, ctx)
	// berth pins images by digest at validation: the image must exist in ECR first.
	if err := s.Env.PushImage(ctx, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/filevars-api:1.0", "v1"); err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, 0, "deploy", "-f", "testdata/filevars/serverless.containers.yml", "--stage", "dev")
	for _, want := range []string{
		`(?m)^uploaded testdata/filevars/values\.json to s3://berth-config/filevars/dev/values\.json$`,
		`(?m)^uploaded testdata/filevars/stages/dev\.yml to s3://berth-config/filevars/dev/stages/dev\.yml$`,
		`(?m)SUCCEEDED in `,
	} {
		matches(t, "deploy", out, want)
	}
	obj, err := target.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(localrun.ConfigBucket), Key: aws.String("filevars/dev/values.json")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(body) != "{\"greeting\": \"hello from a file\"}\n" {
		t.Errorf("uploaded %q", body)
	}
	fns, err := lambda.NewFromConfig(s.Env.AWS).ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fns.Functions {
		if f.Environment != nil && f.Environment.Variables["GREETING"] == "hello from a file" {
			found = aws.ToInt32(f.MemorySize) == 768 && aws.ToInt32(f.Timeout) == 12
		}
	}
	if !found {
		t.Error("no function with the file's greeting, memory 768 and timeout 12")
	}
}
