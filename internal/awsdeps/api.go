package awsdeps

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/applogs"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// LoadAPI builds the api function's HTTP handler inside Lambda from the BERTH_*
// environment template.yaml sets.
func LoadAPI(ctx context.Context) (http.Handler, error) {
	s, err := SettingsFromEnv()
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]string{"BERTH_CONFIG_BUCKET": s.ConfigBucket, "BERTH_REMOVE_STATE_MACHINE_ARN": s.RemoveMachineArn} {
		if v == "" {
			return nil, fmt.Errorf("%s is not set: berth's functions are configured by template.yaml", name)
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(s.Region))
	if err != nil {
		return nil, err
	}
	return BuildAPI(cfg, s, slog.New(slog.NewJSONHandler(os.Stdout, nil))), nil
}

// BuildAPI wires the API over the config bucket, the state store and the remove state
// machine named in s.
func BuildAPI(cfg aws.Config, s Settings, log *slog.Logger) *api.Server {
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = s.Emulator })
	return api.New(api.Options{
		Configs: api.S3ConfigBucket{Client: s3c, Bucket: s.ConfigBucket},
		State:   state.New(dynamodb.NewFromConfig(cfg), s3c, s.Table, s.ArtifactsBucket),
		Remover: stage.StepFunctionsRemover{Client: sfn.NewFromConfig(cfg), MachineArn: s.RemoveMachineArn},
		Sources: stage.SourceStore{Client: s3c, ConfigBucket: s.ConfigBucket, ArtifactsBucket: s.ArtifactsBucket, Presign: s3.NewPresignClient(s3c)},
		Target:  plan.Target{Region: s.Region, Account: s.Account},
		Log:     log,
		Logs: func(region string) applogs.API {
			c := cfg.Copy()
			c.Region = region
			return cloudwatchlogs.NewFromConfig(c)
		},
	})
}
