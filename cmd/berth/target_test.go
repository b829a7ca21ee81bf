package main

import (
	"context"
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/berth-dev/berth/internal/motoserver"
)

// cleanAWSEnv isolates a test from the machine's AWS configuration.
func cleanAWSEnv(t *testing.T) {
	for k, v := range map[string]string{"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": "",
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_CLOUDFORMATION": "", "AWS_EC2_METADATA_DISABLED": "true",
		"BERTH_CONFIG_BUCKET": "", "BERTH_TABLE": "", "BERTH_ARTIFACTS_BUCKET": "", "BERTH_REMOVE_STATE_MACHINE_ARN": ""} {
		t.Setenv(k, v)
	}
}

func TestTheInstallationIsResolvedFromFlagsEnvironmentAndStack(t *testing.T) {
	const machine = "arn:aws:states:us-west-2:123456789012:stateMachine:berth-remove"
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		needs  need
		want   TargetNames
		region string // default eu-west-1, from AWS_REGION
		err    string // regexp
	}{
		{name: "the environment names everything", needs: needConfigBucket | needState | needRemoveMachine,
			env:  map[string]string{"BERTH_CONFIG_BUCKET": "cb", "BERTH_TABLE": "tb", "BERTH_ARTIFACTS_BUCKET": "ab", "BERTH_REMOVE_STATE_MACHINE_ARN": machine},
			want: TargetNames{ConfigBucket: "cb", Table: "tb", ArtifactsBucket: "ab", RemoveMachineArn: machine}},
		{name: "a flag wins over the environment", needs: needTable,
			env: map[string]string{"BERTH_TABLE": "env-table"}, args: []string{"--table", "flag-table"}, want: TargetNames{Table: "flag-table"}},
		{name: "names a command does not need are not looked up", needs: needTable, args: []string{"--table", "t"}, want: TargetNames{Table: "t"}},
		{name: "a missing name is read from the stack, and the error says how to set it instead", needs: needConfigBucket | needTable,
			env: map[string]string{"AWS_ENDPOINT_URL_CLOUDFORMATION": "http://127.0.0.1:1", "BERTH_TABLE": "tb"}, args: []string{"--stack", "mine"},
			err: `(?s)read the outputs of stack mine: .*"mine" \(--stack\).*--config-bucket or BERTH_CONFIG_BUCKET \(stack output ConfigBucketName\)\nfor example from: aws cloudformation describe-stacks --stack-name mine`},
		{name: "without a region nothing is looked up", needs: needTable, env: map[string]string{"AWS_REGION": ""}, args: []string{"--table", "t"},
			err: "no AWS region: pass --region"},
		{name: "--region names the region", needs: needTable, env: map[string]string{"AWS_REGION": ""}, args: []string{"--table", "t", "--region", "ap-south-1"},
			want: TargetNames{Table: "t"}, region: "ap-south-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanAWSEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			tf := addTargetFlags(fs, tt.needs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := tf.resolve(context.Background())
			if tt.err != "" {
				if err == nil || !regexp.MustCompile(tt.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want one matching %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Names != tt.want {
				t.Errorf("names %+v, want %+v", got.Names, tt.want)
			}
			if want := orText(tt.region, "eu-west-1"); got.AWS.Region != want {
				t.Errorf("region %q, want %q", got.AWS.Region, want)
			}
		})
	}
}

func TestPlanReusesItsRegionFlagOnlyWhenGiven(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{{nil, ""}, {[]string{"--region", "sa-east-1"}, "sa-east-1"}} {
		fs := flag.NewFlagSet("plan", flag.ContinueOnError)
		fs.String("region", "us-east-1", "")
		tf := addTargetFlags(fs, needState)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if got := tf.explicitRegion(); got != tt.want {
			t.Errorf("args %v: region %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestRemovalsStartInTheStateMachinesRegion(t *testing.T) {
	tg := NewTarget(aws.Config{Region: "eu-west-1"}, TargetNames{RemoveMachineArn: "arn:aws:states:us-west-2:123456789012:stateMachine:berth-remove"}, false)
	if r := tg.SFN.Options().Region; r != "us-west-2" {
		t.Errorf("Step Functions region %q, want us-west-2", r)
	}
}

// The CloudFormation SDK client against moto's CloudFormation: a stack with the Outputs of
// berth's template.yaml names the installation, reached through the service's own endpoint
// variable, the way a user points the CLI at an emulator or a VPC endpoint.
func TestTheNamesAreReadFromTheStacksOutputsThroughTheCloudFormationClient(t *testing.T) {
	m, err := motoserver.Start(motoserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	cleanAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", m.Endpoint)
	ctx := context.Background()
	cfg, err := m.AWSConfig(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	const machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-remove"
	want := TargetNames{ConfigBucket: "cfg-bucket", Table: "state-table", ArtifactsBucket: "art-bucket", RemoveMachineArn: machine}
	createStackWithOutputs(t, cfg, "berth-test", want)

	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	tf := addTargetFlags(fs, needConfigBucket|needState|needRemoveMachine)
	if err := fs.Parse([]string{"--stack", "berth-test"}); err != nil {
		t.Fatal(err)
	}
	got, err := tf.resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Names != want {
		t.Errorf("names %+v, want %+v", got.Names, want)
	}

	_, err = stackOutputs(ctx, cfg, "no-such-stack")
	if err == nil || !strings.Contains(err.Error(), "read the outputs of stack no-such-stack") {
		t.Errorf("a missing stack: %v", err)
	}
}

func TestDeploymentIDsAreUniqueAndUsableAsExecutionNames(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newDeploymentID()
		// Step Functions execution names: 1-80 characters, no whitespace, brackets,
		// wildcards or special characters; state keys: no '#'.
		if !regexp.MustCompile(`^cli-\d{8}T\d{6}Z-[0-9a-f]{8}$`).MatchString(id) || len(id) > 80 || strings.Contains(id, "#") {
			t.Fatalf("deployment id %q", id)
		}
		if seen[id] {
			t.Fatalf("deployment id %q generated twice", id)
		}
		seen[id] = true
	}
}
