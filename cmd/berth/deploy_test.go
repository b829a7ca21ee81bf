package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/applogs"
	"github.com/berth-dev/berth/internal/localrun"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// The CLI against the local runtime: moto with berth's real state machines and handlers,
// and a Pump standing in for the EventBridge rule, so the CLI's own uploads and
// StartExecution calls drive real deployments. One session, four deployments (deploy,
// deploy, rollback, remove): each takes 10–20 s.
func TestTheCLIDeploysWatchesPlansRollsBackAndRemovesAnAppOnTheLocalRuntime(t *testing.T) {
	ctx := context.Background()
	s, target := cliSession(t, ctx)
	v1, v2 := "testdata/lambda-v1.yml", "testdata/lambda-v2.yml"
	// The image both versions run, pushed as a user would before deploying.
	if err := s.Env.PushImage(ctx, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cli-api:1.0", "v1"); err != nil {
		t.Fatal(err)
	}

	// deploy prints each step as it ends and the outcome.
	out := mustRun(t, 0, "deploy", "-f", v1, "--stage", "dev")
	for _, want := range []string{
		`uploaded testdata/lambda-v1\.yml to s3://berth-config/cli/dev/serverless\.containers\.yml \(version \S+\)`,
		`(?m)^deployment cli-\S+ of cli/dev$`,
		`(?m)^` + stamp + ` RUNNING +deployment cli-\S+ of cli/dev \(source s3\)$`,
		`(?m)^` + stamp + ` +create api/Function +SUCCEEDED +` + dur + `$`,
		`(?m)^` + stamp + ` +create RouteTable +SUCCEEDED`,
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
		`(?m)^    /api/\* -> api \(lambda\)$`, `(?m)^  last deployment: ` + firstID + ` SUCCEEDED`, `(?m)^  lock: +free$`,
		`(?m)^  containers: +1\n    api \(awsLambda\): /api/\*\n      health: healthy, state Active, last update Successful\n      last deployment: ` + firstID + ` SUCCEEDED: (create \w+, )+create Function(, create \w+)+$`, `(?m)^  drift: +never checked$`} {
		matches(t, "status", out, want)
	}
	// logs prints what the containers wrote to the log groups berth created.
	writeContainerLog(t, s, target, "api", "GET /api/items 200", "GET /api/items/7 404")
	out = mustRun(t, 0, "logs", "--app", "cli", "--stage", "dev", "--since", "1h")
	matches(t, "logs", out, `(?m)^\S+ api \| GET /api/items 200\n\S+ api \| GET /api/items/7 404$`)
	code, _, stderr := berth("logs", "--app", "cli", "--stage", "dev", "--container", "db")
	if code != exitUsage || !strings.Contains(stderr, `--container "db": the deployed app has no such container (it has: [api])`) {
		t.Errorf("logs --container db: exit %d, %s", code, stderr)
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

	// --output json: one event per line, ending with the result naming what changed.
	out = mustRun(t, 0, "deploy", "-f", v2, "--stage", "dev", "--output", "json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var events []Event
	for _, l := range lines {
		var e Event
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Event == "" {
			t.Fatalf("deploy --output json printed a line that is not an event: %q (%v)", l, err)
		}
		events = append(events, e)
	}
	if last := events[len(events)-1]; last.Event != "result" || last.Status != "SUCCEEDED" || !slices.Contains(last.Changed, "update api/Function") {
		t.Errorf("the last event %+v, want a SUCCEEDED result that changed api/Function", last)
	}
	if !slices.ContainsFunc(events, func(e Event) bool {
		return e.Event == "step" && e.Step == "update api/Function" && e.Status == "SUCCEEDED"
	}) {
		t.Errorf("no step event for update api/Function:\n%s", out)
	}

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
	matches(t, "failed deploy", out, `(?m)^  rolled back \(undone, newest first\):\n    - update api/Function\n  the app is as its last successful deployment left it$`)

	// The rolled-back deployment's timeline shows the failed check and the compensation.
	failedID := regexp.MustCompile(`(?m)^deployment (cli-\S+) of`).FindStringSubmatch(out)[1]
	svgFile := filepath.Join(t.TempDir(), "rolled-back.svg")
	matches(t, "history --timeline", mustRun(t, 0, "history", "--app", "cli", "--stage", "dev", "--id", failedID, "--timeline", svgFile),
		`wrote the timeline of `+failedID+` \(ROLLED_BACK, \d+ steps\) to `)
	svg := readFile(t, svgFile)
	for _, want := range []string{"ROLLED_BACK", ">failed: ", ">compensate: undo 1 change<", ">update api/Function<", `stroke-width="2"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the timeline of a rolled-back deployment lacks %q:\n%s", want, svg)
		}
	}

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
func sessionTarget(s *localrun.Session) *Target { return localTarget(s) }

// cliSession starts a local runtime whose uploads a Pump turns into deployments (standing in
// for the EventBridge rule) and points every CLI command at it until the test ends.
func cliSession(t *testing.T, ctx context.Context) (*localrun.Session, *Target) {
	t.Helper()
	s, err := localrun.NewSession(ctx, localrun.SessionOptions{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	t.Cleanup(s.Env.Pump(ctx))
	target := sessionTarget(s)
	useTarget(t, target)
	return s, target
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
		Key: aws.String(stage.Key("cli", "dev")), VersionId: aws.String(version)})
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

// writeContainerLog writes lines, a millisecond apart, to the container's log group as
// recorded in the applied state, the way the Lambda runtime or the awslogs driver would.
func writeContainerLog(t *testing.T, s *localrun.Session, target *Target, container string, lines ...string) {
	t.Helper()
	ctx := context.Background()
	applied, err := target.Store.LoadApplied(ctx, "cli", "dev")
	if err != nil || applied == nil {
		t.Fatalf("applied: %v", err)
	}
	groups, err := applogs.Groups(applied.Desired, container)
	if err != nil {
		t.Fatal(err)
	}
	c := cloudwatchlogs.NewFromConfig(s.Env.AWS)
	stream := aws.String("2026/12/06/[$LATEST]0123456789abcdef")
	if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(groups[0].Name), LogStreamName: stream}); err != nil {
		t.Fatalf("log group %s: %v", groups[0].Name, err)
	}
	now := time.Now().Add(-time.Minute)
	var evs []logtypes.InputLogEvent
	for i, l := range lines {
		evs = append(evs, logtypes.InputLogEvent{Timestamp: aws.Int64(now.Add(time.Duration(i) * time.Millisecond).UnixMilli()), Message: aws.String(l + "\n")})
	}
	if _, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(groups[0].Name), LogStreamName: stream, LogEvents: evs}); err != nil {
		t.Fatal(err)
	}
}

// createStack creates, in the emulator, a CloudFormation stack with the Outputs of
// berth's template.yaml naming the session's resources.
func createStack(t *testing.T, s *localrun.Session) {
	createStackWithOutputs(t, s.Env.AWS, "berth-cli-test", TargetNames{ConfigBucket: localrun.ConfigBucket,
		Table: localrun.StateTable, ArtifactsBucket: localrun.ArtifactsBucket, RemoveMachineArn: s.Env.RemoveMachine})
}

// createStackWithOutputs creates a stack whose Outputs are berth's names.
func createStackWithOutputs(t *testing.T, cfg aws.Config, stack string, n TargetNames) {
	t.Helper()
	outputs := map[string]any{}
	for _, src := range nameSources {
		outputs[src.cf] = map[string]string{"Value": *src.field(&n)}
	}
	tmpl, _ := json.Marshal(map[string]any{
		"Resources": map[string]any{"Handle": map[string]any{"Type": "AWS::CloudFormation::WaitConditionHandle"}},
		"Outputs":   outputs,
	})
	_, err := cloudformation.NewFromConfig(cfg).CreateStack(context.Background(), &cloudformation.CreateStackInput{
		StackName: aws.String(stack), TemplateBody: aws.String(string(tmpl))})
	if err != nil {
		t.Fatalf("create stack %s: %v", stack, err)
	}
}
