package awsdeps

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/berth-dev/berth/internal/drift"
)

// LoadDrift builds the drift checker inside the drift Lambda function.
func LoadDrift(ctx context.Context) (*drift.Checker, error) {
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
	return BuildDrift(cfg, s, slog.New(slog.NewJSONHandler(os.Stdout, nil))), nil
}

// BuildDrift wires the drift checker with the same store, config source, starter and
// provisioners the deploy workflow uses (the route table's among them), plus EventBridge
// (default bus).
func BuildDrift(cfg aws.Config, s Settings, log *slog.Logger) *drift.Checker {
	deps, store := Build(cfg, s, log)
	return &drift.Checker{
		Store:      store,
		NewClients: deps.NewClients,
		Starter:    deps.Starter,
		Events:     eventbridge.NewFromConfig(cfg),
		Configs:    deps.Configs,
		Resolvers:  deps.Resolvers,
		Target:     deps.Target,
		Log:        log,
	}
}
