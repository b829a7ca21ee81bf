package plan

import (
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// secretsReadPolicy is the inline policy of the Fargate execution role berth creates: ECS
// reads a task's `secrets` with the execution role, which needs ssm:GetParameters on
// each parameter and kms:Decrypt for SecureStrings under a customer managed key (ECS DG,
// "Required IAM permissions for Amazon ECS secrets"). AmazonECSTaskExecutionRolePolicy
// grants neither. nil when no Fargate container injects a secret.
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
			if arn := b.secretParameterARN(e.Ref); (e.Secret || e.Unresolved) && arn != "" && !seen[arn] {
				seen[arn] = true
				arns = append(arns, arn)
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
				"Resource":  "arn:" + b.partition + ":kms:" + region + ":${aws:PrincipalAccount}:key/*",
				"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "ssm." + region + ".amazonaws.com"}}},
		},
	}
}

// secretParameterARN is the SSM parameter ECS injects a reference from, as
// internal/provision/ecs names it: ${ssm:} names the user's parameter, ${env:} values
// live under /berth/<app>/<stage>/env/. "" for anything else (refused at deploy).
func (b *builder) secretParameterARN(ref string) string {
	var name string
	switch {
	case strings.HasPrefix(ref, "aws:ssm:"):
		name = strings.TrimPrefix(ref, "aws:ssm:")
	case strings.HasPrefix(ref, "ssm:"):
		name = strings.TrimPrefix(ref, "ssm:")
	case strings.HasPrefix(ref, "env:"):
		name = "/berth/" + b.cfg.Name + "/" + b.cfg.Stage + "/env/" + strings.TrimPrefix(ref, "env:")
	default:
		return ""
	}
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return "arn:" + b.partition + ":ssm:" + b.t.Region + ":${aws:PrincipalAccount}:parameter/" + strings.TrimPrefix(name, "/")
}
