package awsdeps

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/drift"
	"github.com/berth-dev/berth/internal/plan"
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
// provisioners the deploy workflow uses, plus EventBridge (default bus) and the
// KeyValueStore data-plane reader.
func BuildDrift(cfg aws.Config, s Settings, log *slog.Logger) *drift.Checker {
	deps, store := Build(cfg, s, log)
	return &drift.Checker{
		Store:      store,
		NewClients: deps.NewClients,
		Routes:     routeReader(cfg, s),
		Starter:    deps.Starter,
		Events:     eventbridge.NewFromConfig(cfg),
		Configs:    deps.Configs,
		Resolvers:  deps.Resolvers,
		Target:     deps.Target,
		Log:        log,
	}
}

// routeReader builds the KeyValueStore reader (us-east-1, SigV4A) counting in calls.
func routeReader(base aws.Config, s Settings) func(*awscalls.Counter) drift.RouteLister {
	return func(calls *awscalls.Counter) drift.RouteLister {
		cfg := base.Copy()
		if calls != nil {
			calls.Attach(&cfg)
		}
		cfg.Region = plan.EdgeRegion
		return drift.NewKVSRoutes(cloudfrontkeyvaluestore.NewFromConfig(cfg, func(o *cloudfrontkeyvaluestore.Options) {
			if s.KVSHTTPClient != nil {
				o.HTTPClient = s.KVSHTTPClient
			}
		}))
	}
}
