package localrun

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision/kinds"
)

// scfExamples are the 10 SCF examples with their sources (cmd/berth/testdata holds them
// for the CLI's test too).
const scfExamples = "../../cmd/berth/testdata/scf-examples"

// scfRefused are the examples a deployment refuses for a reason other than its sources,
// with the config key the refusal names.
var scfRefused = map[string]string{"example-mastra-slack": "containers.agent.integrations.slack"}

// The "done when": every SCF example deploys unchanged from its sources, redeploys
// with 0 mutating calls and no source upload, and rebuilds only what changed.
func TestTheSCFExamplesDeployFromSourceRedeployWithNoCallAndRebuildOnlyWhatChanged(t *testing.T) {
	if _, err := kinds.Lookup(plan.Kind("Berth::Image::Build")); err != nil {
		t.Skip("needs the build kinds: ", err)
	}
	dirs, err := filepath.Glob(filepath.Join(scfExamples, "example-*"))
	if err != nil || len(dirs) != 10 {
		t.Fatalf("want 10 examples in %s, got %d (%v)", scfExamples, len(dirs), err)
	}
	s := newSession(t)
	ctx := context.Background()
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), name)
			if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(work, name+".yml")
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// As `berth local run` does from the caller's environment: the examples read
			// API keys with ${env:}; any value will do here.
			if _, err := s.SeedEnv(ctx, body, "dev", func(k string) (string, bool) { return "local-" + strings.ToLower(k), true }); err != nil {
				t.Fatal(err)
			}
			first, err := s.Deploy(ctx, file, body, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			if key := scfRefused[name]; key != "" {
				wantStatus(t, first, "FAILED")
				if !strings.Contains(first.Error, key) || first.Calls.Mutating != 0 {
					t.Errorf("refusal %q with %d mutating calls, want it to name %s and change nothing", first.Error, first.Calls.Mutating, key)
				}
				return
			}
			wantStatus(t, first, "SUCCEEDED")
			if n := countOp(first, "StartBuild"); n != 1 {
				t.Errorf("first deploy started %d builds, want 1", n)
			}
			archives := sourceObjects(t, s, AppName(body))

			again, err := s.Deploy(ctx, file, body, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, again, "SUCCEEDED")
			if again.Calls.Mutating != 0 || countOp(again, "StartBuild") != 0 {
				t.Errorf("redeploying unchanged source made %d mutating calls (%d builds): %+v", again.Calls.Mutating, countOp(again, "StartBuild"), again.Calls.Ops)
			}
			if after := sourceObjects(t, s, AppName(body)); after != archives {
				t.Errorf("redeploying unchanged source stored %d source objects, had %d", after, archives)
			}

			src := filepath.Join(work, "service")
			if _, err := os.Stat(src); os.IsNotExist(err) {
				src = work // mastra-slack's src: ./
			}
			if err := os.WriteFile(filepath.Join(src, "CHANGED"), []byte("1"), 0o644); err != nil {
				t.Fatal(err)
			}
			changed, err := s.Deploy(ctx, file, body, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, changed, "SUCCEEDED")
			if n := countOp(changed, "StartBuild"); n != 1 {
				t.Errorf("a changed file started %d builds, want 1", n)
			}
			if name != "example-express" {
				return // one example proves a failed build rolls back; the others keep the suite short
			}
			before := scfLiveImage(t, s, AppName(body))
			if err := os.WriteFile(filepath.Join(src, FailBuildMarker), []byte("1"), 0o644); err != nil {
				t.Fatal(err)
			}
			failed, err := s.Deploy(ctx, file, body, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, failed, "ROLLED_BACK")
			if !strings.Contains(failed.Error, "BuildFailedError") || !strings.Contains(failed.Error, FailBuildMarker) {
				t.Errorf("a failed build reported %q, want the BuildFailedError with its log's tail", failed.Error)
			}
			if after := scfLiveImage(t, s, AppName(body)); after != before {
				t.Errorf("after a failed build the function runs %s, want the previous image %s", after, before)
			}
		})
	}
}

// sourceObjects counts the objects under app's sources in the artifacts bucket.
func sourceObjects(t *testing.T, s *Session, app string) int {
	t.Helper()
	out, err := s3.NewFromConfig(s.Env.AWS, func(o *s3.Options) { o.UsePathStyle = true }).ListObjectsV2(context.Background(),
		&s3.ListObjectsV2Input{Bucket: aws.String(ArtifactsBucket), Prefix: aws.String("sources/" + app + "/")})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Contents)
}

// scfLiveImage is the image the app's one Lambda function runs, read from Lambda.
func scfLiveImage(t *testing.T, s *Session, app string) string {
	t.Helper()
	applied, err := s.store.LoadApplied(context.Background(), app, "dev")
	if err != nil || applied == nil {
		t.Fatalf("no applied state for %s: %v", app, err)
	}
	for _, r := range applied.Desired.Resources {
		if r.Kind == plan.KindFunction {
			out, err := lambda.NewFromConfig(s.Env.AWS).GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String(r.Name)})
			if err != nil {
				t.Fatal(err)
			}
			return aws.ToString(out.Code.ImageUri)
		}
	}
	t.Fatalf("%s has no Lambda function", app)
	return ""
}
