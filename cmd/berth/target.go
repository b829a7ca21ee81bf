package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/state"
)

// Target is where berth is installed: its AWS account and region, and the names of
// the resources template.yaml created (the config bucket, the state table, …). Commands
// that talk to an installation resolve one from their flags:
//
//   - each name from its flag, else its BERTH_* environment variable, else
//   - the outputs of the CloudFormation stack --stack (default "berth"), read with
//     DescribeStacks only when a name the command needs is still missing;
//   - credentials and region the AWS way (--profile, --region, AWS_PROFILE, AWS_REGION,
//     ~/.aws/config, SSO, instance roles…) through config.LoadDefaultConfig.
//
// Without DescribeStacks permission, export the names once (someone who has it runs this):
//
//	out() { aws cloudformation describe-stacks --stack-name berth \
//	  --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }
//	export BERTH_CONFIG_BUCKET=$(out ConfigBucketName) BERTH_TABLE=$(out StateTableName) \
//	  BERTH_ARTIFACTS_BUCKET=$(out ArtifactsBucketName) \
//	  BERTH_REMOVE_STATE_MACHINE_ARN=$(out RemoveStateMachineArn)
type Target struct {
	AWS   aws.Config
	Names TargetNames
	// PathStyle addresses S3 buckets by path (emulators; set when an endpoint is overridden).
	PathStyle bool

	Store *state.Store
	S3    *s3.Client
	SFN   *sfn.Client
}

// TargetNames are berth's own resource names: template.yaml's Outputs.
type TargetNames struct {
	ConfigBucket     string // ConfigBucketName
	Table            string // StateTableName
	ArtifactsBucket  string // ArtifactsBucketName
	RemoveMachineArn string // RemoveStateMachineArn
}

// NewTarget builds a target from an AWS config and berth's resource names. Tests build
// one from a localrun.Session: NewTarget(s.Env.AWS, TargetNames{ConfigBucket:
// localrun.ConfigBucket, …, RemoveMachineArn: s.Env.RemoveMachine}, true).
func NewTarget(cfg aws.Config, names TargetNames, pathStyle bool) *Target {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
	sfnCfg := cfg
	// The remove state machine lives where berth was installed, whatever the CLI's region.
	if a, err := arn.Parse(names.RemoveMachineArn); err == nil && a.Region != "" && a.Region != cfg.Region {
		sfnCfg = cfg.Copy()
		sfnCfg.Region = a.Region
	}
	return &Target{
		AWS: cfg, Names: names, PathStyle: pathStyle,
		Store: state.New(dynamodb.NewFromConfig(cfg), s3c, names.Table, names.ArtifactsBucket),
		S3:    s3c,
		SFN:   sfn.NewFromConfig(sfnCfg),
	}
}

// need says which names a command uses.
type need uint8

const (
	needConfigBucket need = 1 << iota
	needTable
	needArtifacts
	needRemoveMachine
)

// needState is what reading deployments and the applied state takes.
const needState = needTable | needArtifacts

// nameSource describes one name: its flag, environment variable and stack output.
type nameSource struct {
	need          need
	flag, env, cf string
	field         func(*TargetNames) *string
}

var nameSources = []nameSource{
	{needConfigBucket, "config-bucket", "BERTH_CONFIG_BUCKET", "ConfigBucketName", func(n *TargetNames) *string { return &n.ConfigBucket }},
	{needTable, "table", "BERTH_TABLE", "StateTableName", func(n *TargetNames) *string { return &n.Table }},
	{needArtifacts, "artifacts-bucket", "BERTH_ARTIFACTS_BUCKET", "ArtifactsBucketName", func(n *TargetNames) *string { return &n.ArtifactsBucket }},
	{needRemoveMachine, "remove-state-machine-arn", "BERTH_REMOVE_STATE_MACHINE_ARN", "RemoveStateMachineArn", func(n *TargetNames) *string { return &n.RemoveMachineArn }},
}

// targetFlags are the flags every remote command takes.
type targetFlags struct {
	fs      *flag.FlagSet
	needs   need
	stack   string
	profile string
	region  *string // nil when the command's own --region flag is reused (plan)
	names   TargetNames
}

// addTargetFlags registers --stack, --profile, --region and overrides of the names the
// command needs. A flag the command already defines (plan's --region) is reused, not
// redefined.
func addTargetFlags(fs *flag.FlagSet, needs need) *targetFlags {
	tf := &targetFlags{fs: fs, needs: needs}
	fs.StringVar(&tf.stack, "stack", "berth", "CloudFormation stack berth was installed as; its outputs name berth's resources")
	fs.StringVar(&tf.profile, "profile", "", "AWS shared config profile (default $AWS_PROFILE)")
	if fs.Lookup("region") == nil {
		tf.region = fs.String("region", "", "AWS region berth is installed in (default $AWS_REGION or the profile's)")
	}
	for _, s := range nameSources {
		if needs&s.need != 0 {
			fs.StringVar(s.field(&tf.names), s.flag, "", fmt.Sprintf("override the stack output %s (default $%s)", s.cf, s.env))
		}
	}
	return tf
}

// explicitRegion is --region when given on the command line.
func (tf *targetFlags) explicitRegion() string {
	if tf.region != nil {
		return *tf.region
	}
	region := ""
	tf.fs.Visit(func(f *flag.Flag) {
		if f.Name == "region" {
			region = f.Value.String()
		}
	})
	return region
}

// targetHook, when set (tests), replaces resolution: every command gets its target.
var targetHook func(ctx context.Context) (*Target, error)

// resolve finds the installation: names from flags, environment and, when some needed
// name is still missing, the stack's outputs.
func (tf *targetFlags) resolve(ctx context.Context) (*Target, error) {
	needs := tf.needs
	if targetHook != nil {
		return targetHook(ctx)
	}
	var opts []func(*awsconfig.LoadOptions) error
	if tf.profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(tf.profile))
	}
	if r := tf.explicitRegion(); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: pass --region, set AWS_REGION, or set one in the profile")
	}
	names := tf.names
	var missing []nameSource
	for _, s := range nameSources {
		p := s.field(&names)
		if *p == "" {
			*p = os.Getenv(s.env)
		}
		if *p == "" && needs&s.need != 0 {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		outputs, err := stackOutputs(ctx, cfg, tf.stack)
		if err != nil {
			return nil, fmt.Errorf("%w\n%s", err, missingHelp(missing, tf.stack))
		}
		for _, s := range missing {
			if *s.field(&names) = outputs[s.cf]; outputs[s.cf] == "" {
				return nil, fmt.Errorf("stack %s has no output %s\n%s", tf.stack, s.cf, missingHelp(missing, tf.stack))
			}
		}
	}
	return NewTarget(cfg, names, cfg.BaseEndpoint != nil), nil
}

func missingHelp(missing []nameSource, stack string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "berth reads its resource names from the outputs of the CloudFormation stack %q (--stack); without access to it, set:", stack)
	for _, s := range missing {
		fmt.Fprintf(&b, "\n  --%s or %s (stack output %s)", s.flag, s.env, s.cf)
	}
	fmt.Fprintf(&b, "\nfor example from: aws cloudformation describe-stacks --stack-name %s --query 'Stacks[0].Outputs'", stack)
	return b.String()
}

// stackDescriber is the part of the CloudFormation client stackOutputs uses.
type stackDescriber interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// stackOutputs reads a CloudFormation stack's outputs with DescribeStacks. The SDK client
// honours AWS_ENDPOINT_URL_CLOUDFORMATION and AWS_ENDPOINT_URL like every other client.
func stackOutputs(ctx context.Context, cfg aws.Config, stack string) (map[string]string, error) {
	return readStackOutputs(ctx, cloudformation.NewFromConfig(cfg), stack)
}

func readStackOutputs(ctx context.Context, cf stackDescriber, stack string) (map[string]string, error) {
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return nil, fmt.Errorf("read the outputs of stack %s: %w", stack, err)
	}
	if len(out.Stacks) == 0 {
		return nil, fmt.Errorf("read the outputs of stack %s: no such stack", stack)
	}
	m := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m, nil
}

// newDeploymentID names a deployment the CLI starts: sortable, unique, and valid as an S3
// metadata value, a Step Functions execution name and a state key part.
func newDeploymentID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "cli-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
