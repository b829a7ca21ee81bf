package main

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/localrun"
	"github.com/berth-dev/berth/internal/state"
)

// The CLI against the local runtime: moto with berth's real state machines and handlers,
// and a Pump standing in for the EventBridge rule, so the CLI's own uploads and
// StartExecution calls drive real deployments. One session, four deployments (deploy,
// deploy, rollback, remove): each takes 10–20 s.
func TestTheCLIDeploysWatchesPlansRollsBackAndRemovesAnAppOnTheLocalRuntime(t *testing.T) {
	ctx := context.Background()
	s, err := localrun.NewSession(ctx, localrun.SessionOptions{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	stop := s.Env.Pump(ctx)
	t.Cleanup(stop)
	target := sessionTarget(s)
	useTarget(t, target)
	v1, v2 := "testdata/lambda-v1.yml", "testdata/lambda-v2.yml"

	// deploy prints each step as it ends and the outcome.
	out := mustRun(t, 0, "deploy", "-f", v1, "--stage", "dev")
	for _, want := range []string{
		`uploaded testdata/lambda-v1\.yml to s3://berth-config/cli/dev/serverless\.containers\.yml \(version \S+\)`,
		`(?m)^deployment cli-\S+ of cli/dev$`,
		`(?m)^` + stamp + ` RUNNING +deployment cli-\S+ of cli/dev \(source s3\)$`,
		`(?m)^` + stamp + ` +create api/Function +SUCCEEDED +` + dur + `$`,
		`(?m)^` + stamp + ` +route +SUCCEEDED`,
		`(?m)^` + stamp + ` SUCCEEDED in ` + dur + `, \d+ mutating / \d+ read AWS calls$`,
		`(?m)^  url: https://\S+$`,
	} {
		matches(t, "deploy", out, want)
	}
	firstID := regexp.MustCompile(`(?m)^deployment (cli-\S+) of`).FindStringSubmatch(out)[1]
	firstVersion := appliedVersion(t, target, firstID)

	// status shows the URL and the routes.
	out = mustRun(t, 0, "status", "--app", "cli", "--stage", "dev")
	for _, want := range []string{`(?m)^cli/dev: deployed$`, `(?m)^  url: +https://\S+$`, `(?m)^  routes: +1$`,
		`(?m)^    /api/\* -> api \(lambda\)$`, `(?m)^  last deployment: ` + firstID + ` SUCCEEDED`, `(?m)^  lock: +free$`, `(?m)^  drift: +never checked$`} {
		matches(t, "status", out, want)
	}
	// -f takes the app from the file.
	matches(t, "status -f", mustRun(t, 0, "status", "-f", v2, "--stage", "dev"), `(?m)^cli/dev: deployed$`)

	// plan --remote shows exactly the one change against what is deployed.
	out = mustRun(t, 0, "plan", "--remote", "-f", v2, "--stage", "dev")
	matches(t, "plan --remote", out, `(?m)^Against cli/dev as deployed by `+firstID)
	matches(t, "plan --remote", out, `(?s)Wave \d+:\n  ~ update api/Function +AWS::Lambda::Function +\(changes: memoryMb\)\n\nPlan: 0 to create, 1 to update, 0 to delete, \d+ unchanged\.`)
	if n := len(regexp.MustCompile(`(?m)^  [+~-] `).FindAllString(out, -1)); n != 1 {
		t.Errorf("plan --remote lists %d changes, want 1:\n%s", n, out)
	}

	mustRun(t, 0, "deploy", "-f", v2, "--stage", "dev")

	// history: newest first, both succeeded.
	out = mustRun(t, 0, "history", "--app", "cli", "--stage", "dev", "--output", "json")
	var list []state.Deployment
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("history --output json: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0].Status != state.StatusSucceeded || list[1].Status != state.StatusSucceeded || list[1].ID != firstID {
		t.Fatalf("history = %+v, want two SUCCEEDED deployments, %s last", list, firstID)
	}
	out = mustRun(t, 0, "history", "--app", "cli", "--stage", "dev")
	if n := strings.Count(out, " SUCCEEDED "); n != 2 {
		t.Errorf("history lists %d SUCCEEDED deployments, want 2:\n%s", n, out)
	}
	matches(t, "history", out, `(?m)^DEPLOYMENT +STATUS +SOURCE +STARTED +DURATION +CONFIG VERSION +ERROR$`)
	matches(t, "history", out, `(?m)^`+firstID+` +SUCCEEDED +s3 +\S+ \S+ +`+dur+` +`+regexp.QuoteMeta(firstVersion))

	// The target can also come from the stack's outputs.
	t.Run("the names come from the CloudFormation stack's outputs", func(t *testing.T) {
		createStack(t, s)
		saved := targetHook
		targetHook = nil
		t.Cleanup(func() { targetHook = saved })
		// The emulator enforces IAM: the CLI calls with the local runtime's admin user.
		creds, err := s.Env.AWS.Credentials.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{"AWS_ENDPOINT_URL": s.Env.Endpoint, "AWS_ACCESS_KEY_ID": creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": creds.SecretAccessKey,
			"AWS_REGION": "eu-west-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
			"BERTH_CONFIG_BUCKET": "", "BERTH_TABLE": "", "BERTH_ARTIFACTS_BUCKET": "", "BERTH_REMOVE_STATE_MACHINE_ARN": ""} {
			t.Setenv(k, v)
		}
		out := mustRun(t, 0, "history", "--app", "cli", "--stage", "dev", "--stack", "berth-cli-test")
		if n := strings.Count(out, " SUCCEEDED "); n != 2 {
			t.Errorf("history through the stack lists %d SUCCEEDED deployments, want 2:\n%s", n, out)
		}
		code, _, stderr := berth("history", "--app", "cli", "--stage", "dev", "--stack", "no-such-stack")
		if code != exitFail || !strings.Contains(stderr, "no-such-stack") || !strings.Contains(stderr, "BERTH_TABLE") {
			t.Errorf("a missing stack: exit %d, stderr %s", code, stderr)
		}
	})

	// remove without --yes and without a terminal refuses, even with "y" piped in.
	stdin, stdinIsTerminal = strings.NewReader("y\n"), func() bool { return false }
	t.Cleanup(func() { stdin, stdinIsTerminal = os.Stdin, func() bool { return isTerminal(os.Stdin) } })
	code, stdout, stderr := berth("remove", "--app", "cli", "--stage", "dev")
	if code != exitUsage || !strings.Contains(stderr, "refusing to remove cli/dev") || !strings.Contains(stderr, "--yes") {
		t.Fatalf("remove without --yes: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if list, _ := target.Store.ListDeployments(ctx, "cli", "dev", 10); len(list) != 2 {
		t.Fatalf("a refused remove started something: %d deployments", len(list))
	}

	// A failed deployment says why and what it undid.
	s.Env.Router.ClearFaults() // resets the invocation counts FailAt counts from
	s.Env.Router.FailAt(localrun.FunctionName("Verify"), 1)
	code, out, _ = berth("deploy", "-f", v1, "--stage", "dev")
	s.Env.Router.ClearFaults()
	t.Logf("berth deploy (verify fails)\n%s", out)
	if code != exitFail {
		t.Fatalf("a deployment failing verification: exit %d, want 1\n%s", code, out)
	}
	matches(t, "failed deploy", out, `(?m)^`+stamp+` ROLLED_BACK after `+dur+`, \d+ mutating / \d+ read AWS calls$`)
	matches(t, "failed deploy", out, `(?m)^  cause: \S.*$`)
	matches(t, "failed deploy", out, `(?m)^`+stamp+` +compensate +SUCCEEDED`)
	matches(t, "failed deploy", out, `(?m)^  rolled back \(undone, newest first\):\n    - route\n    - update api/Function\n  the app is as its last successful deployment left it$`)

	// rollback deploys the first config again, as a new version of the config object.
	out = mustRun(t, 0, "rollback", "--app", "cli", "--stage", "dev")
	matches(t, "rollback", out, `rolling cli/dev back to config version `+regexp.QuoteMeta(firstVersion)+` \(uploaded [^)]+\): copied as version \S+`)
	matches(t, "rollback", out, `(?m)^`+stamp+` +update api/Function +SUCCEEDED`)
	applied, err := target.Store.LoadApplied(ctx, "cli", "dev")
	if err != nil || applied == nil {
		t.Fatalf("applied after rollback: %v, %v", applied, err)
	}
	if applied.ConfigVersion == firstVersion || applied.ConfigVersion == list[0].ConfigVersion {
		t.Errorf("rollback re-applied an old version (%s) instead of deploying a new one", applied.ConfigVersion)
	}
	if got, want := configBody(t, target, applied.ConfigVersion), readFile(t, v1); got != want {
		t.Errorf("the rolled-back version's content is not lambda-v1.yml:\n%s", got)
	}
	matches(t, "plan --remote after rollback", mustRun(t, 0, "plan", "--remote", "-f", v1, "--stage", "dev"), `No changes\.`)

	// remove --yes removes it all; status then says so.
	out = mustRun(t, 0, "remove", "--app", "cli", "--stage", "dev", "--yes")
	matches(t, "remove", out, `(?m)^cli/dev: \d+ resources, 1 route, https://\S+$`)
	matches(t, "remove", out, `(?m)^`+stamp+` +delete api/Function +SUCCEEDED`)
	matches(t, "remove", out, `(?m)^`+stamp+` SUCCEEDED in `)
	out = mustRun(t, 0, "status", "--app", "cli", "--stage", "dev")
	matches(t, "status after remove", out, `(?m)^cli/dev: not deployed$`)
	matches(t, "status after remove", out, `(?m)^  last deployment: cli-\S+ \(removal\) SUCCEEDED`)
}

// stamp and dur match the follower's elapsed-time prefix and durations (0.4s, 4m05s).
const (
	stamp = `\[ *[0-9.hms]+\]`
	dur   = `[0-9.hms]+`
)

// sessionTarget is the installation a localrun.Session runs.
func sessionTarget(s *localrun.Session) *Target {
	return NewTarget(s.Env.AWS, TargetNames{ConfigBucket: localrun.ConfigBucket, Table: localrun.StateTable,
		ArtifactsBucket: localrun.ArtifactsBucket, RemoveMachineArn: s.Env.RemoveMachine}, true)
}

// useTarget makes every command use target until the test ends.
func useTarget(t *testing.T, target *Target) {
	targetHook = func(context.Context) (*Target, error) { return target, nil }
	t.Cleanup(func() { targetHook = nil })
}

// mustRun runs the CLI and fails the test unless it exits with code; it returns stdout.
func mustRun(t *testing.T, code int, args ...string) string {
	t.Helper()
	got, stdout, stderr := berth(args...)
	if got != code {
		t.Fatalf("berth %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, code, stdout, stderr)
	}
	t.Logf("berth %s\n%s%s", strings.Join(args, " "), stdout, stderr) // shown with -v or on failure
	return stdout
}

func matches(t *testing.T, what, out, re string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(out) {
		t.Errorf("%s: output does not match %s:\n%s", what, re, out)
	}
}

// appliedVersion is the config version a deployment deployed.
func appliedVersion(t *testing.T, target *Target, id string) string {
	t.Helper()
	d, err := target.Store.GetDeployment(context.Background(), "cli", "dev", id)
	if err != nil || d == nil || d.ConfigVersion == "" {
		t.Fatalf("deployment %s: %+v, %v", id, d, err)
	}
	return d.ConfigVersion
}

func configBody(t *testing.T, target *Target, version string) string {
	t.Helper()
	out, err := target.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(target.Names.ConfigBucket),
		Key: aws.String(configKey("cli", "dev")), VersionId: aws.String(version)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// createStack creates, in the emulator, a CloudFormation stack with the Outputs of
// berth's template.yaml naming the session's resources.
func createStack(t *testing.T, s *localrun.Session) {
	t.Helper()
	tmpl, _ := json.Marshal(map[string]any{
		"Resources": map[string]any{"Handle": map[string]any{"Type": "AWS::CloudFormation::WaitConditionHandle"}},
		"Outputs": map[string]any{
			"ConfigBucketName":      map[string]string{"Value": localrun.ConfigBucket},
			"StateTableName":        map[string]string{"Value": localrun.StateTable},
			"ArtifactsBucketName":   map[string]string{"Value": localrun.ArtifactsBucket},
			"RemoveStateMachineArn": map[string]string{"Value": s.Env.RemoveMachine},
		},
	})
	form := "Action=CreateStack&Version=2010-05-15&StackName=berth-cli-test&TemplateBody=" + url.QueryEscape(string(tmpl))
	var out struct {
		ID string `xml:"CreateStackResult>StackId"`
	}
	if err := cloudFormationQuery(context.Background(), s.Env.AWS, form, &out); err != nil || out.ID == "" {
		t.Fatalf("create stack: %q, %v", out.ID, err)
	}
}
