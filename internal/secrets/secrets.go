// Package secrets resolves deploy-time variables from SSM Parameter Store: ${ssm:/p} and
// ${aws:ssm:/p} directly, and ${env:X} from berth's per-app parameters, because a config
// arriving through S3 has no user shell to read an environment from.
//
// Where ${env:X} comes from: the parameter /berth/<app>/<stage>/env/X (String or
// SecureString), falling back to /berth/<app>/env/X for values shared by every stage.
// Values are decrypted in memory for the deploy only; berth stores the reference and a
// salted fingerprint, never the value (see plan.EnvValue).
package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/berth-dev/berth/internal/config"
)

// SSMAPI is the part of the SSM client the resolver uses.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Resolver resolves variables for one app/stage. It implements config.Resolver (config
// time) and provision.SecretResolver (apply time, from "ssm:/p" / "env:X" references).
type Resolver struct {
	Client     SSMAPI
	App, Stage string
}

// SSM implements config.Resolver.
func (r *Resolver) SSM(ctx context.Context, name string) (string, bool, error) {
	v, secure, found, err := r.get(ctx, name)
	if err != nil {
		return "", false, err
	}
	if !found {
		return "", false, &config.NotFoundError{Variable: "ssm:" + name, LookedUp: "SSM parameter " + name}
	}
	return v, secure, nil
}

// Env implements config.Resolver: the first of config.EnvParameters that exists.
func (r *Resolver) Env(ctx context.Context, name string) (string, string, error) {
	places := config.EnvParameters(r.App, r.Stage, name)
	for _, p := range places {
		v, _, found, err := r.get(ctx, p)
		if err != nil {
			return "", "", err
		}
		if found {
			return v, p, nil
		}
	}
	return "", "", &config.NotFoundError{Variable: "env:" + name,
		LookedUp: "SSM parameters " + strings.Join(places, " and ") + " (configs deployed through S3 read ${env:} values there; create one with `aws ssm put-parameter --type SecureString`)"}
}

// ResolveSecret implements provision.SecretResolver for plan.EnvValue references.
func (r *Resolver) ResolveSecret(ctx context.Context, ref string) (string, error) {
	switch {
	case strings.HasPrefix(ref, "ssm:"):
		v, _, err := r.SSM(ctx, strings.TrimPrefix(ref, "ssm:"))
		return v, err
	case strings.HasPrefix(ref, "env:"):
		v, _, err := r.Env(ctx, strings.TrimPrefix(ref, "env:"))
		return v, err
	}
	return "", fmt.Errorf("unsupported secret reference %q (want ssm:/path or env:NAME)", ref)
}

func (r *Resolver) get(ctx context.Context, name string) (value string, secure, found bool, err error) {
	out, err := r.Client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	var nf *ssmtypes.ParameterNotFound
	if errors.As(err, &nf) {
		return "", false, false, nil
	}
	if err != nil {
		// Never include a value in an error; names are fine.
		return "", false, false, fmt.Errorf("read SSM parameter %s: %w", name, err)
	}
	p := out.Parameter
	return aws.ToString(p.Value), p.Type == ssmtypes.ParameterTypeSecureString, true, nil
}
