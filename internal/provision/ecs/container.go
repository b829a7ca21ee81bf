package ecs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// secretLabelPrefix names the docker label that carries a secret's plan fingerprint. ECS
// reads a secret's value when a task starts, so a rotated SSM value alone changes nothing
// in the task definition and no task would ever see it. The label makes the rotation a
// new revision, which the service rolls out. The fingerprint is the plan's salted digest:
// it reveals nothing about the value.
const secretLabelPrefix = "berth.secret."

// fingerprintLen keeps labels short; they only need to change when the value does.
const fingerprintLen = 16

// envEntry is one environment variable as the task definition carries it.
type envEntry struct {
	value       string // literal
	valueFrom   string // SSM parameter ARN of a secret
	fingerprint string // of a secret's value, "" when unknown
}

func (e envEntry) secret() bool { return e.valueFrom != "" }

// secretParameter maps a secret reference to the SSM parameter ECS injects it from, so no
// secret value is ever written into the task definition:
//   - "ssm:/path" and "aws:ssm:/path" name the parameter: the user's own, or for a
//     resolved ${env:NAME} the one config.EnvParameters found it in;
//   - "env:NAME" (only in states applied before resolved ${env:} values named their
//     parameter) is the stage's own, the first of config.EnvParameters.
//
// The execution role may read exactly these (plan.secretsReadPolicy).
func secretParameter(env provision.Env, r plan.Resource, name string, v plan.EnvValue) (string, error) {
	var param string
	switch {
	case strings.HasPrefix(v.Ref, "ssm:"):
		param = strings.TrimPrefix(v.Ref, "ssm:")
	case strings.HasPrefix(v.Ref, "aws:ssm:"):
		param = strings.TrimPrefix(v.Ref, "aws:ssm:")
	case strings.HasPrefix(v.Ref, "env:"):
		param = config.EnvParameters(env.App, env.Stage, strings.TrimPrefix(v.Ref, "env:"))[0]
	case v.Ref == "":
		return "", &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: fmt.Sprintf(
			"environment.%s mixes a secret with other text; ECS injects secrets whole from SSM, so make the value exactly one ${ssm:...} or ${env:...} reference", name)}
	default:
		return "", &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: fmt.Sprintf(
			"environment.%s refers to %q; only ssm: and env: references can be injected into a Fargate task", name, v.Ref)}
	}
	return parameterARN(env, param), nil
}

// parameterARN turns a parameter name into its ARN (ECS needs ARNs for names with a
// path); an ARN stays as it is.
func parameterARN(env provision.Env, name string) string {
	if strings.HasPrefix(name, "arn:") || env.Account == "" {
		return name
	}
	return fmt.Sprintf("arn:%s:ssm:%s:%s:parameter/%s", partition(env.Region), env.Region, env.Account, strings.TrimPrefix(name, "/"))
}

// wantEnv splits the plan's environment into literals and secrets.
func wantEnv(env provision.Env, r plan.Resource, in map[string]plan.EnvValue) (map[string]envEntry, error) {
	out := make(map[string]envEntry, len(in))
	for name, v := range in {
		if v.Ref == "" && v.Fingerprint == "" {
			out[name] = envEntry{value: v.Value}
			continue
		}
		from, err := secretParameter(env, r, name, v)
		if err != nil {
			return nil, err
		}
		fp := v.Fingerprint
		if len(fp) > fingerprintLen {
			fp = fp[:fingerprintLen]
		}
		out[name] = envEntry{valueFrom: from, fingerprint: fp}
	}
	return out, nil
}

// liveEnv reads a container's environment, secrets and secret fingerprints.
func liveEnv(c *types.ContainerDefinition) map[string]envEntry {
	out := map[string]envEntry{}
	for _, kv := range c.Environment {
		out[aws.ToString(kv.Name)] = envEntry{value: aws.ToString(kv.Value)}
	}
	for _, s := range c.Secrets {
		name := aws.ToString(s.Name)
		out[name] = envEntry{valueFrom: aws.ToString(s.ValueFrom), fingerprint: c.DockerLabels[secretLabelPrefix+name]}
	}
	return out
}

// envDiff compares environments by name. Secret values never appear: a difference on
// either side of a secret renders as "(secret changed)".
func envDiff(d *provision.Diffs, want, have map[string]envEntry) {
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range have {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		w, wok := want[n]
		h, hok := have[n]
		if wok && hok && w == h {
			continue
		}
		field := "environment." + n
		switch {
		case w.secret() || h.secret():
			*d = append(*d, provision.FieldDiff{Field: field, Desired: "(secret changed)", Actual: "(secret changed)"})
		case !wok:
			d.Add(field, "(unset)", h.value)
		case !hok:
			d.Add(field, w.value, "(unset)")
		default:
			d.Add(field, w.value, h.value)
		}
	}
}

// containerDefinition renders the one container of a berth task definition.
func containerDefinition(name string, w taskWant) types.ContainerDefinition {
	c := types.ContainerDefinition{
		Name:         aws.String(name),
		Image:        aws.String(w.image),
		Essential:    aws.Bool(true),
		PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(int32(w.port)), Protocol: types.TransportProtocolTcp}},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": w.logGroup, "awslogs-region": w.logRegion, "awslogs-stream-prefix": name,
		}},
	}
	names := make([]string, 0, len(w.env))
	for n := range w.env {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := w.env[n]
		if !e.secret() {
			c.Environment = append(c.Environment, types.KeyValuePair{Name: aws.String(n), Value: aws.String(e.value)})
			continue
		}
		c.Secrets = append(c.Secrets, types.Secret{Name: aws.String(n), ValueFrom: aws.String(e.valueFrom)})
		if e.fingerprint != "" {
			if c.DockerLabels == nil {
				c.DockerLabels = map[string]string{}
			}
			c.DockerLabels[secretLabelPrefix+n] = e.fingerprint
		}
	}
	return c
}

// renderLog renders a container's log configuration for a diff.
func renderLog(lc *types.LogConfiguration) string {
	if lc == nil {
		return "(none)"
	}
	o := lc.Options
	return fmt.Sprintf("%s group=%s region=%s prefix=%s", lc.LogDriver, o["awslogs-group"], o["awslogs-region"], o["awslogs-stream-prefix"])
}

// livePort is the first port mapping's container port, 0 when there is none.
func livePort(c *types.ContainerDefinition) string {
	if len(c.PortMappings) == 0 {
		return "0"
	}
	return strconv.Itoa(int(aws.ToInt32(c.PortMappings[0].ContainerPort)))
}
