package config

import (
	"fmt"
	"strings"
)

// Apps are isolated at the config level: whoever may write <app>/ in the config bucket (or
// call the API for that app) controls that app only. berth's own roles are all named
// role/berth-* (plan's naming rule) and berth may pass any of them, and berth keeps every
// app's ${env:} values under /berth/<app>/, which the deployer can read; so a config may
// name neither another app's role nor another app's parameters.

// berthRolePrefix starts the name of every role berth creates.
const berthRolePrefix = "berth-"

// checkIsolation refuses role ARNs that name a role berth created.
func (d *decoder) checkIsolation(c *Config) {
	d.checkRoleNotBerths("deployment.awsIam.roleArn", c.Deployment.RoleArn)
	d.checkRoleNotBerths("deployment.awsFargateEcs.executionRoleArn", c.Deployment.ExecutionRole)
	for _, ct := range c.Containers {
		d.checkRoleNotBerths(join("containers", ct.Name, "compute.awsIam.roleArn"), ct.Compute.RoleArn)
	}
}

// checkRoleNotBerths: a berth-created role belongs to one app, stage and container, and its
// name follows a public rule; naming one would run this app's code with another app's
// permissions. berth creates this app's roles itself (customPolicy), so a config never
// needs to name one.
func (d *decoder) checkRoleNotBerths(path, arn string) {
	if !d.has(path) || !d.known(path) || !roleArnRE.MatchString(arn) {
		return
	}
	_, name, _ := strings.Cut(arn, ":role/")
	if !strings.HasPrefix(name, berthRolePrefix) {
		return
	}
	d.bad(path, arn, "names a role berth created (role/berth-*): those belong to one app, stage and container and cannot be borrowed", "to have berth create a role for this container set compute.awsIam.customPolicy; to bring your own role, give it a name that does not start with berth-")
}

// berthParameterProblem checks an SSM parameter name (or ARN) a config reads: parameters
// under /berth/ hold apps' ${env:} values, so a config reads only its own app's.
func berthParameterProblem(name, app string) string {
	p := name
	if strings.HasPrefix(p, "arn:") {
		if _, rest, ok := strings.Cut(p, ":parameter"); ok {
			p = rest
		}
	}
	if !strings.HasPrefix(p, "/berth/") {
		return ""
	}
	if app != "" && strings.HasPrefix(p, "/berth/"+app+"/") {
		return ""
	}
	own := "/berth/<name>/"
	if app != "" {
		own = "/berth/" + app + "/"
	}
	return fmt.Sprintf("reads %s, which belongs to another app: parameters under /berth/<app>/ hold that app's ${env:} values, so a config may read only its own (%s); keep shared values outside /berth/", clip(name), own)
}

// checkSecretUse refuses secrets (SecureString ${ssm:} values and every ${env:} value)
// anywhere but an environment value: only there can berth deliver a value as a secret
// (by reference, with a keyed fingerprint in the plan). Anywhere else it would be
// copied into the plan, the state table and outputs in clear. Stage parameters only hold
// values; where a ${param:} uses one is what counts.
func (r *resolver) checkSecretUse() {
	for _, s := range r.secrets {
		if strings.HasPrefix(s.path, "stages.") || isEnvironmentPath(s.path) {
			continue
		}
		r.sink.errorAt(s.path, s.node, "this value is a secret (a SecureString ${ssm:} parameter or an ${env:} value); berth delivers secrets only as environment values (containers.<name>.environment), and here it would be stored and shown in clear: use a String parameter or ${param:} for it, or pass the secret in environment")
	}
}

// isEnvironmentPath reports whether path is containers.<name>.environment.<VAR> or below.
func isEnvironmentPath(path string) bool {
	parts := strings.SplitN(path, ".", 4)
	return len(parts) == 4 && parts[0] == "containers" && parts[2] == "environment"
}

// checkSecretDelivery: berth delivers a secret environment value by its reference (ECS
// injects it from SSM at task start; Lambda gets it resolved at deploy), so the value must
// be exactly one ${ssm:} or ${env:} that exists, not text around one, a mapping holding
// one, or a fallback standing in for a missing one. The rule holds for every ${ssm:}, a
// String parameter too: offline (validate, plan, the API) a parameter's kind is unknown,
// and a config must not be accepted there and refused at deploy, or the other way round.
func (d *decoder) checkSecretDelivery(path, from string) {
	if from != "" {
		return
	}
	d.errorAt(path, d.at(path), "mixes an ${ssm:} or ${env:} value (possibly a secret) with other text, or takes a secret from a fallback; berth passes these whole, by reference (ECS injects them from SSM when a task starts), so the value must be exactly one ${ssm:/name} or ${env:NAME} that exists: put the whole value (e.g. the full database URL) in one SecureString parameter and refer to that")
}
