package plan

import (
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// secretsReadPolicy is the inline policy of the Fargate execution role berth creates: ECS
// reads a task's `secrets` with the execution role, which needs ssm:GetParameters on
// each parameter, and kms:Decrypt only for SecureStrings under a customer managed key
// (ECS DG, "Amazon ECS task execution IAM role", secrets:
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html):
// the AWS managed aws/ssm key "grants Decrypt permission to all IAM principals in the AWS
// account" (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
// The key a parameter uses is not known when the plan is built, so the decrypt grant is
// bound to the parameters instead: Parameter Store calls KMS with the encryption context
// PARAMETER_ARN = the parameter's ARN (KMS DG, "How AWS Systems Manager Parameter Store
// uses AWS KMS", https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html),
// so the role may decrypt exactly these parameters, under whichever key, and only via SSM.
// AmazonECSTaskExecutionRolePolicy grants neither. nil when no Fargate container injects
// a secret.
//
// The ARNs name the account through ${aws:PrincipalAccount}: the plan is built offline
// too, and the role only ever reads its own account's parameters.
func (b *builder) secretsReadPolicy() map[string]any {
	seen := map[string]bool{}
	var arns []string
	for _, c := range b.cfg.Containers {
		if c.Compute.Type != config.ComputeFargate {
			continue
		}
		for _, e := range c.Environment {
			if !e.Secret && !e.Unresolved {
				continue
			}
			for _, arn := range b.secretParameterARNs(e.Ref) {
				if !seen[arn] {
					seen[arn] = true
					arns = append(arns, arn)
				}
			}
		}
	}
	if len(arns) == 0 {
		return nil
	}
	sort.Strings(arns)
	region := b.t.Region
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "ReadTaskSecrets", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": arns},
			map[string]any{"Sid": "DecryptTaskSecretsViaSsm", "Effect": "Allow", "Action": "kms:Decrypt",
				"Resource": "arn:" + b.partition + ":kms:" + region + ":${aws:PrincipalAccount}:key/*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:ViaService":                      "ssm." + region + ".amazonaws.com",
					"kms:EncryptionContext:PARAMETER_ARN": arns,
				}}},
		},
	}
}

// secretParameterARNs are the SSM parameters ECS may inject a reference from, as
// internal/provision/ecs names them: ${ssm:} names the user's parameter, and so does a
// resolved ${env:} (the parameter it was found in); an ${env:} left unresolved (an
// offline plan) may be any of config.EnvParameters. None for anything else (refused by
// the config).
func (b *builder) secretParameterARNs(ref string) []string {
	var names []string
	switch {
	case strings.HasPrefix(ref, "aws:ssm:"):
		names = []string{strings.TrimPrefix(ref, "aws:ssm:")}
	case strings.HasPrefix(ref, "ssm:"):
		names = []string{strings.TrimPrefix(ref, "ssm:")}
	case strings.HasPrefix(ref, "env:"):
		names = config.EnvParameters(b.cfg.Name, b.cfg.Stage, strings.TrimPrefix(ref, "env:"))
	}
	arns := make([]string, 0, len(names))
	for _, name := range names {
		if strings.HasPrefix(name, "arn:") {
			arns = append(arns, name)
			continue
		}
		arns = append(arns, "arn:"+b.partition+":ssm:"+b.t.Region+":${aws:PrincipalAccount}:parameter/"+strings.TrimPrefix(name, "/"))
	}
	return arns
}
