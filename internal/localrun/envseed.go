package localrun

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/berth-dev/berth/internal/config"
)

// SeedEnv makes ${env:NAME} work locally as it did with SCF on a laptop: every NAME the
// config resolves for stage and lookup (normally os.LookupEnv) knows is written to the
// emulator's Parameter Store where the deployer reads ${env:} values (the stage's own
// parameter, config.EnvParameters), as a SecureString. Names lookup does not know are
// left alone, so the deploy reports them as missing with the parameter to create.
// It returns the names it wrote; values are never logged.
func (s *Session) SeedEnv(ctx context.Context, body []byte, stage string, lookup func(string) (string, bool)) ([]string, error) {
	app := AppName(body)
	client := ssm.NewFromConfig(s.Env.AWS)
	var seeded []string
	for _, name := range config.EnvNames(ctx, body, stage) {
		v, ok := lookup(name)
		if !ok {
			continue
		}
		param := config.EnvParameters(app, stage, name)[0]
		_, err := client.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(param), Value: aws.String(v), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		})
		if err != nil {
			return seeded, fmt.Errorf("seed ${env:%s} into %s: %w", name, param, err)
		}
		seeded = append(seeded, name)
		s.say("${env:%s} from your environment -> SSM %s", name, param)
	}
	return seeded, nil
}
