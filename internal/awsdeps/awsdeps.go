// Package awsdeps builds the workflow handlers' dependencies from an AWS config: the
// state store, the config source, SSM resolvers, the execution starter and, per
// invocation, provisioning clients that count their calls. Lambda mains and the local
// runtime use the same builder, so both run the same code paths.
package awsdeps

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/berth-dev/berth/internal/images"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/secrets"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/workflow"
)

// Settings are berth's own resource names and tunables (template.yaml passes them to
// every function as BERTH_* environment variables).
type Settings struct {
	Region, Account                    string
	Table, ArtifactsBucket             string
	ConfigBucket                       string
	DeployMachineArn, RemoveMachineArn string
	// StepFunctionArns are the ARNs of provision.Functions (only the plan function has
	// them: template.yaml sets them there).
	StepFunctionArns map[string]string
	// PollSeconds replaces every kind's wait in the local runtime (workflow.Deps.PollSeconds);
	// zero on AWS.
	PollSeconds int
	// RoleBoundaryArn is the permissions boundary every role berth creates carries
	// (template.yaml's BerthRoleBoundary); berth's IAM permissions require it.
	RoleBoundaryArn string
	// FingerprintKeySecret is the Secrets Manager secret holding the installation's key for
	// secret fingerprints (template.yaml's FingerprintKey); FingerprintKey is its value,
	// read by LoadFingerprintKey. Without a key plans keep secrets as references only.
	FingerprintKeySecret string
	FingerprintKey       []byte
	Lease                time.Duration
	// KVSHTTPClient, when set, carries the KeyValueStore data-plane client's requests (the
	// local runtime points it at the emulator; on AWS the SDK default is right).
	KVSHTTPClient aws.HTTPClient
	// Emulator adapts clients to moto: path-style S3 addressing and the awsQuery protocol
	// for CloudWatch (moto does not read the SDK's CBOR default), CodeBuild's timestamps
	// and project calls (codebuild.MotoTimestamps, codebuild.MotoProjects).
	Emulator bool
	// Images replaces, in the local runtime, what builds images on AWS; zero on AWS.
	Images ImageHooks
}

// SettingsFromEnv reads the BERTH_* environment template.yaml sets.
func SettingsFromEnv() (Settings, error) {
	s := Settings{
		Region: os.Getenv("AWS_REGION"), Account: os.Getenv("BERTH_ACCOUNT_ID"),
		Table: os.Getenv("BERTH_TABLE"), ArtifactsBucket: os.Getenv("BERTH_ARTIFACTS_BUCKET"),
		ConfigBucket: os.Getenv("BERTH_CONFIG_BUCKET"), DeployMachineArn: os.Getenv("BERTH_DEPLOY_STATE_MACHINE_ARN"),
		RemoveMachineArn: os.Getenv("BERTH_REMOVE_STATE_MACHINE_ARN"), Lease: 3 * time.Hour,
		RoleBoundaryArn: os.Getenv("BERTH_ROLE_BOUNDARY_ARN"), FingerprintKeySecret: os.Getenv("BERTH_FINGERPRINT_KEY_SECRET"),
	}
	s.StepFunctionArns = map[string]string{}
	for _, fn := range provision.Functions {
		if v := os.Getenv(workflow.StepFunctionEnv(fn)); v != "" {
			s.StepFunctionArns[fn] = v
		}
	}
	for name, v := range map[string]string{"AWS_REGION": s.Region, "BERTH_ACCOUNT_ID": s.Account, "BERTH_TABLE": s.Table,
		"BERTH_ARTIFACTS_BUCKET": s.ArtifactsBucket, "BERTH_DEPLOY_STATE_MACHINE_ARN": s.DeployMachineArn} {
		if v == "" {
			return s, fmt.Errorf("%s is not set: berth's functions are configured by template.yaml", name)
		}
	}
	return s, nil
}

// Load builds the dependencies inside a Lambda function.
func Load(ctx context.Context) (*workflow.Deps, error) {
	s, err := SettingsFromEnv()
	if err != nil {
		return nil, err
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(s.Region))
	if err != nil {
		return nil, err
	}
	if err := s.LoadFingerprintKey(ctx, cfg); err != nil {
		return nil, err
	}
	deps, _ := Build(cfg, s, slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	return deps, nil
}

// Handler loads the dependencies inside a Lambda function and returns the workflow
// handler of the named function ("Validate": see workflow.Handlers).
func Handler(ctx context.Context, function string) (any, error) {
	deps, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	h, ok := workflow.Handlers(deps)[function]
	if !ok {
		return nil, fmt.Errorf("workflow.Handlers has no %q function", function)
	}
	return h, nil
}

// LoadFingerprintKey reads FingerprintKey from FingerprintKeySecret, when one is set.
func (s *Settings) LoadFingerprintKey(ctx context.Context, cfg aws.Config) error {
	if s.FingerprintKeySecret == "" || s.FingerprintKey != nil {
		return nil
	}
	key, err := secrets.FingerprintKey(ctx, secretsmanager.NewFromConfig(cfg), s.FingerprintKeySecret)
	s.FingerprintKey = key
	return err
}

// Build wires the dependencies for the given config and settings.
func Build(cfg aws.Config, s Settings, log *slog.Logger) (*workflow.Deps, *state.Store) {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = s.Emulator })
	store := state.New(dynamodb.NewFromConfig(cfg), s3c, s.Table, s.ArtifactsBucket)
	ssmc := ssm.NewFromConfig(cfg)
	deps := &workflow.Deps{
		Locks:    store,
		Records:  store,
		Journals: store,
		Plans:    store,
		Applied:  store,
		Apps:     store,
		Configs:  configSource{s3c},
		Resolvers: func(app, stage string) workflow.Resolver {
			return &secrets.Resolver{Client: ssmc, App: app, Stage: stage}
		},
		Starter:     starter{client: sfn.NewFromConfig(cfg), machine: s.DeployMachineArn},
		NewClients:  clientsFactory(cfg, s),
		Target:      plan.Target{Region: s.Region, Account: s.Account, FingerprintKey: s.FingerprintKey},
		Images:      imageResolver(cfg, s),
		Sources:     NewSourceFinder(s3c, s),
		PollSeconds: s.PollSeconds,
		Lease:       s.Lease,
		Log:         log,

		StepFunctionArns: s.StepFunctionArns,
	}
	return deps, store
}

// imageResolver pins images through ECR in each image's own region (an image may live in
// another region or account's registry; Fargate can pull it, Lambda refuses it).
func imageResolver(cfg aws.Config, s Settings) *images.Resolver {
	return &images.Resolver{Region: s.Region, Account: s.Account, Client: func(region string) images.ECR {
		c := cfg.Copy()
		c.Region = region
		return ecr.NewFromConfig(c)
	}}
}
