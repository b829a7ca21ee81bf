package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The fingerprint key keys the HMAC that plans keep instead of a secret value
// (plan.Fingerprint). It is created once per installation (template.yaml's FingerprintKey,
// a Secrets Manager secret with a generated value; the local runtime creates the same), so
// whoever reads state or plans cannot test guesses of a weak secret offline.

// SecretsManagerAPI is the part of the Secrets Manager client the key needs.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	CreateSecret(ctx context.Context, in *secretsmanager.CreateSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
}

// minKeyBytes refuses a key too short to key an HMAC (the template generates 64 characters).
const minKeyBytes = 32

// FingerprintKey reads the installation's key.
func FingerprintKey(ctx context.Context, c SecretsManagerAPI, secretID string) ([]byte, error) {
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, fmt.Errorf("read the fingerprint key %s: %w", secretID, err)
	}
	key := aws.ToString(out.SecretString)
	if len(key) < minKeyBytes {
		return nil, fmt.Errorf("the fingerprint key %s holds %d bytes; it needs at least %d (template.yaml generates it)", secretID, len(key), minKeyBytes)
	}
	return []byte(key), nil
}

// CreateFingerprintKey creates the key with a random value, as CloudFormation's
// GenerateSecretString does at install, and returns its ARN.
func CreateFingerprintKey(ctx context.Context, c SecretsManagerAPI, name string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	out, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(hex.EncodeToString(raw)),
		Description: aws.String("berth: keys the fingerprints plans keep instead of secret values")})
	if err != nil {
		return "", fmt.Errorf("create the fingerprint key %s: %w", name, err)
	}
	return aws.ToString(out.ARN), nil
}
