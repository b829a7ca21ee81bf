package imagebuild

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"
)

// TokenAPI is the part of ECR that ECRAuth calls.
type TokenAPI interface {
	GetAuthorizationToken(ctx context.Context, in *awsecr.GetAuthorizationTokenInput, opts ...func(*awsecr.Options)) (*awsecr.GetAuthorizationTokenOutput, error)
}

// ECRAuth returns the credentials for the account's private registry in the client's
// region and the registry's host. ECR hands out a base64 "AWS:<password>" token valid for
// 12 hours (docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html),
// which registries take as basic auth. The token is a secret: never log it.
func ECRAuth(ctx context.Context, api TokenAPI) (authn.Authenticator, string, error) {
	out, err := api.GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, "", err
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return nil, "", fmt.Errorf("ECR returned no authorization data")
	}
	data := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(*data.AuthorizationToken)
	if err != nil {
		return nil, "", fmt.Errorf("ECR authorization token is not base64: %w", err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, "", fmt.Errorf("ECR authorization token is not user:password")
	}
	host := ""
	if data.ProxyEndpoint != nil {
		host = strings.TrimPrefix(strings.TrimPrefix(*data.ProxyEndpoint, "https://"), "http://")
	}
	return authn.FromConfig(authn.AuthConfig{Username: user, Password: pass}), host, nil
}
