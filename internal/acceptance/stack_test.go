//go:build aws

package acceptance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/berth-dev/berth/internal/state"
)

// stack is an installed berth: its outputs and clients with the caller's credentials.
type stack struct {
	cfg                          aws.Config
	configBucket, deploy, remove string
	store                        *state.Store
	s3                           *s3.Client
	sfn                          *sfn.Client
	name                         string
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// open installs berth with SAM when asked, then reads the stack's outputs.
func open(t *testing.T, ctx context.Context, s settings, clock *timings) *stack {
	t.Helper()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil || cfg.Region == "" {
		t.Fatalf("AWS credentials and region (AWS_REGION / AWS_PROFILE): %v", err)
	}
	if s.install {
		clock.run(t, "install berth (make build, sam deploy)", func() error {
			if err := command(repoRoot(), "make", "build"); err != nil {
				return err
			}
			return command(repoRoot(), "sam", "deploy", "--stack-name", s.stack, "--resolve-s3", "--no-confirm-changeset",
				"--no-fail-on-empty-changeset", "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "--region", cfg.Region)
		})
	}
	out, err := exec.CommandContext(ctx, "sam", "list", "stack-outputs", "--stack-name", s.stack, "--output", "json", "--region", cfg.Region).Output()
	if err != nil {
		t.Fatalf("sam list stack-outputs --stack-name %s: %v (install it first, or set BERTH_ACCEPTANCE_INSTALL=1)", s.stack, err)
	}
	var outputs []struct{ OutputKey, OutputValue string }
	if err := json.Unmarshal(out, &outputs); err != nil {
		t.Fatalf("stack outputs: %v", err)
	}
	o := map[string]string{}
	for _, e := range outputs {
		o[e.OutputKey] = e.OutputValue
	}
	s3c := s3.NewFromConfig(cfg)
	return &stack{cfg: cfg, name: s.stack, configBucket: o["ConfigBucketName"], deploy: o["DeployStateMachineArn"], remove: o["RemoveStateMachineArn"],
		store: state.New(dynamodb.NewFromConfig(cfg), s3c, o["StateTableName"], o["ArtifactsBucketName"]), s3: s3c, sfn: sfn.NewFromConfig(cfg)}
}

func command(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stdout, os.Stderr
	return cmd.Run()
}

// upload writes a config as a user would and waits for the deployment it starts.
func (st *stack) upload(t *testing.T, ctx context.Context, app, stage, body string) *state.Deployment {
	t.Helper()
	since := time.Now()
	if _, err := st.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(st.configBucket),
		Key: aws.String(app + "/" + stage + "/serverless.containers.yml"), Body: bytes.NewReader([]byte(body))}); err != nil {
		t.Fatalf("upload config: %v", err)
	}
	x := st.waitExecution(t, ctx, st.deploy, since)
	dep, err := st.store.GetDeployment(ctx, app, stage, aws.ToString(x.Name))
	if err != nil || dep == nil {
		t.Fatalf("deployment %s: %v", aws.ToString(x.Name), err)
	}
	return dep
}

// waitExecution waits for the first execution of machine started after since to end.
func (st *stack) waitExecution(t *testing.T, ctx context.Context, machine string, since time.Time) sfntypes.ExecutionListItem {
	t.Helper()
	deadline := time.Now().Add(90 * time.Minute) // a first CloudFront distribution takes a while
	for time.Now().Before(deadline) {
		out, err := st.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine)})
		if err != nil {
			t.Fatalf("list executions: %v", err)
		}
		var found *sfntypes.ExecutionListItem
		for i, x := range out.Executions {
			if x.StartDate.After(since) && (found == nil || x.StartDate.Before(*found.StartDate)) {
				found = &out.Executions[i]
			}
		}
		if found != nil && found.Status != sfntypes.ExecutionStatusRunning {
			return *found
		}
		time.Sleep(15 * time.Second)
	}
	t.Fatalf("no execution of %s started after %s ended within 90 minutes", machine, since.Format(time.RFC3339))
	return sfntypes.ExecutionListItem{}
}

// startRemove runs the remove state machine as `berth remove` does and waits for it.
func (st *stack) startRemove(t *testing.T, ctx context.Context, app, stage string) sfntypes.ExecutionListItem {
	t.Helper()
	since := time.Now()
	in, _ := json.Marshal(map[string]string{"app": app, "stage": stage, "source": "cli"})
	if _, err := st.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(st.remove), Input: aws.String(string(in))}); err != nil {
		t.Fatalf("start remove: %v", err)
	}
	return st.waitExecution(t, ctx, st.remove, since)
}

// timings records how long each phase took, for the summary.
type timings struct{ phases []string }

func (c *timings) run(t *testing.T, name string, f func() error) {
	t.Helper()
	start := time.Now()
	err := f()
	c.phases = append(c.phases, fmt.Sprintf("%-60s %s", name, time.Since(start).Round(time.Second)))
	t.Logf("%s: %s", name, time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
