package ecs

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// TaskDefinition provisions AWS::ECS::TaskDefinition: family r.Name, Fargate, awsvpc, one
// container named after the berth container. Task definitions are immutable revisions:
// Create registers a new revision only when the latest ACTIVE one differs, and its
// outputs name that revision's ARN, which the service then deploys. The previous revision
// stays ACTIVE until the deployment commits (Prune deregisters it then), so a rollback
// puts that exact revision back (restore); Delete deregisters the whole family, when berth
// owns it (judged by its latest revision's tags). Deregistered revisions stay readable as
// INACTIVE, which is AWS's doing.
//
// There is no container-level health check: the target group's HTTP check already gates
// traffic and replaces unhealthy tasks, and a container check would need a shell and curl
// inside every user image.
type TaskDefinition struct {
	provision.Provisioner
	fam family
}

// family is the ECS calls on one family's revisions.
type family struct{ client API }

// liveTask is the family's latest ACTIVE revision and its tags.
type liveTask struct {
	td   *types.TaskDefinition
	tags []types.Tag
}

type taskCall = provision.Call[family, plan.TaskDefinitionProps]

// NewTaskDefinition returns the task definition provisioner.
func NewTaskDefinition(client API) *TaskDefinition {
	fam := family{client: client}
	return &TaskDefinition{fam: fam, Provisioner: provision.Adapt(provision.Kind[family, plan.TaskDefinitionProps, liveTask]{
		Clients: func(string) family { return fam },
		Find: func(ctx context.Context, c *taskCall) (*liveTask, error) {
			td, tags, err := c.API.latest(ctx, c.R)
			if err != nil || td == nil {
				return nil, err
			}
			return &liveTask{td: td, tags: tags}, nil
		},
		Owned: func(c *taskCall, l *liveTask) bool { return owned(c.Env, c.R, l.tags) },
		Diff: func(_ context.Context, c *taskCall, l *liveTask) (provision.Diffs, error) {
			w, err := wantTask(c)
			if err != nil {
				return nil, err
			}
			return taskDiff(w, l.td), nil
		},
		Outputs: func(c *taskCall, l *liveTask) provision.Outputs { return taskOutputs(c.R, l.td) },
		Create: func(ctx context.Context, c *taskCall) (provision.Outputs, error) {
			w, err := wantTask(c)
			if err != nil {
				return nil, err
			}
			return c.API.register(ctx, c.Env, c.R, w)
		},
		// A revision is never changed: an older ACTIVE one that matches is made the latest
		// again (a rollback), else a new one is registered.
		Converge: func(ctx context.Context, c *taskCall, _ *liveTask, _ provision.Diffs) (provision.Outputs, error) {
			w, err := wantTask(c)
			if err != nil {
				return nil, err
			}
			if old, err := c.API.restore(ctx, c.R, w); err != nil || old != nil {
				return old, err
			}
			return c.API.register(ctx, c.Env, c.R, w)
		},
		Remove: func(ctx context.Context, c *taskCall, _ *liveTask) error {
			arns, err := c.API.activeRevisions(ctx, c.R)
			if err != nil {
				return err
			}
			return c.API.deregister(ctx, c.R, arns)
		},
	})}
}

// taskWant is the desired revision with refs and defaults resolved.
type taskWant struct {
	container           string
	cpu, memory, arch   string
	image               string
	port                int
	execRole, taskRole  string
	logGroup, logRegion string
	env                 map[string]envEntry
}

// cpuArchitecture maps the plan's image architecture to ECS's name for it.
func cpuArchitecture(arch string) types.CPUArchitecture {
	if strings.EqualFold(arch, "arm64") {
		return types.CPUArchitectureArm64
	}
	return types.CPUArchitectureX8664
}

// wantTask resolves the desired revision: only comparing and registering need it, so a
// removal depends on no ref.
func wantTask(c *taskCall) (taskWant, error) {
	env, r, props := c.Env, c.R, c.Props
	var err error
	if props.ImageURI == "" && props.Image != nil {
		// The image berth built from src (its build node's output).
		if props.ImageURI, err = env.Refs.Resolve(*props.Image); err != nil {
			return taskWant{}, err
		}
	}
	if props.ImageURI == "" {
		return taskWant{}, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name,
			Problem: "container " + r.Container + " has no image URI: build and push its src first, or set image:"}
	}
	w := taskWant{
		container: r.Container, cpu: strconv.Itoa(props.CPU), memory: strconv.Itoa(props.MemoryMB),
		arch: string(cpuArchitecture(props.Architecture)), image: props.ImageURI, port: props.Port,
		logRegion: r.Region,
	}
	if w.container == "" {
		w.container = "app"
	}
	if w.logRegion == "" {
		w.logRegion = env.Region
	}
	if w.execRole, err = resolveRole(env, props.ExecutionRole); err != nil {
		return taskWant{}, err
	}
	if w.taskRole, err = resolveRole(env, props.TaskRole); err != nil {
		return taskWant{}, err
	}
	if w.logGroup, err = env.Refs.Resolve(props.LogGroup); err != nil {
		return taskWant{}, err
	}
	if w.env, err = wantEnv(env, r, props.Environment); err != nil {
		return taskWant{}, err
	}
	return w, nil
}

// latest returns the family's latest ACTIVE revision and its tags, or nil.
func (p family) latest(ctx context.Context, r plan.Resource) (*types.TaskDefinition, []types.Tag, error) {
	td, tags, err := p.describe(ctx, r, r.Name)
	if err != nil || td == nil || td.Status == types.TaskDefinitionStatusActive {
		return td, tags, err
	}
	// AWS answers a family name with its latest ACTIVE revision; moto with the latest of
	// any status. Asking for the newest ACTIVE ARN covers both.
	arns, err := p.activeRevisions(ctx, r)
	if err != nil || len(arns) == 0 {
		return nil, nil, err
	}
	return p.describe(ctx, r, arns[0])
}

func (p family) describe(ctx context.Context, r plan.Resource, which string) (*types.TaskDefinition, []types.Tag, error) {
	out, err := p.client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(which), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	})
	if provision.ErrorCode(err) == "ClientException" { // "Unable to describe task definition."
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, provision.Classify(err, "describe", string(r.Kind), r.Name)
	}
	return out.TaskDefinition, out.Tags, nil
}

func taskOutputs(r plan.Resource, td *types.TaskDefinition) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(td.TaskDefinitionArn), plan.AttrName: r.Name}
}

func taskDiff(w taskWant, td *types.TaskDefinition) provision.Diffs {
	var d provision.Diffs
	d.Add("cpu", w.cpu, aws.ToString(td.Cpu))
	d.Add("memoryMb", w.memory, aws.ToString(td.Memory))
	arch := types.CPUArchitectureX8664
	if td.RuntimePlatform != nil && td.RuntimePlatform.CpuArchitecture != "" {
		arch = td.RuntimePlatform.CpuArchitecture
	}
	d.Add("architecture", w.arch, arch)
	d.Add("executionRole", w.execRole, aws.ToString(td.ExecutionRoleArn))
	d.Add("taskRole", w.taskRole, aws.ToString(td.TaskRoleArn))
	var c *types.ContainerDefinition
	for i := range td.ContainerDefinitions {
		if aws.ToString(td.ContainerDefinitions[i].Name) == w.container {
			c = &td.ContainerDefinitions[i]
		}
	}
	if c == nil || len(td.ContainerDefinitions) != 1 {
		d.Add("container", w.container, len(td.ContainerDefinitions))
		return d
	}
	d.Add("imageUri", w.image, aws.ToString(c.Image))
	d.Add("port", w.port, livePort(c))
	want := containerDefinition(w.container, w)
	d.Add("logGroup", renderLog(want.LogConfiguration), renderLog(c.LogConfiguration))
	envDiff(&d, w.env, liveEnv(c))
	return d
}

// restore makes an older ACTIVE revision that matches the desired one the latest again by
// deregistering the newer ones, and returns its outputs (nil when none matches). Older
// revisions stay ACTIVE only until the deployment that superseded them commits (Prune),
// so this is how a rollback puts back exactly the revision that ran before instead of
// registering a copy. The service has already been moved back by then (undo runs newest
// first); a deregistered revision keeps running wherever it is still used.
func (p family) restore(ctx context.Context, r plan.Resource, w taskWant) (provision.Outputs, error) {
	arns, err := p.activeRevisions(ctx, r)
	if err != nil {
		return nil, err
	}
	for i, arn := range arns {
		td, _, err := p.describe(ctx, r, arn)
		if err != nil {
			return nil, err
		}
		if td == nil || len(taskDiff(w, td)) > 0 {
			continue
		}
		if err := p.deregister(ctx, r, arns[:i]); err != nil {
			return nil, err
		}
		return taskOutputs(r, td), nil
	}
	return nil, nil
}

// activeRevisions lists the family's ACTIVE revision ARNs, newest first.
func (p family) activeRevisions(ctx context.Context, r plan.Resource) ([]string, error) {
	var arns []string
	in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(r.Name), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderDesc}
	for pg := ecs.NewListTaskDefinitionsPaginator(p.client, in); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, provision.Classify(err, "list revisions", string(r.Kind), r.Name)
		}
		for _, arn := range out.TaskDefinitionArns {
			if familyOf(arn) == r.Name { // FamilyPrefix also matches longer family names
				arns = append(arns, arn)
			}
		}
	}
	// Sorted here too: moto ignores Sort.
	slices.SortFunc(arns, func(a, b string) int { return revisionOf(b) - revisionOf(a) })
	return arns, nil
}

// revisionOf returns the revision number ending a task definition ARN.
func revisionOf(arn string) int {
	n, _ := strconv.Atoi(arn[strings.LastIndex(arn, ":")+1:])
	return n
}

func (p family) deregister(ctx context.Context, r plan.Resource, arns []string) error {
	for _, arn := range arns {
		_, err := p.client.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(arn)})
		if err != nil && provision.ErrorCode(err) != "ClientException" {
			return provision.Classify(err, "deregister "+arn, string(r.Kind), r.Name)
		}
	}
	return nil
}

// Prune deregisters the family's ACTIVE revisions other than keep, the one the committed
// deployment runs. It runs only after commit, so until then the previous revision is
// still there for a rollback to put back.
func (t *TaskDefinition) Prune(ctx context.Context, env provision.Env, r plan.Resource, keep provision.Outputs) error {
	p := t.fam
	current := keep[plan.AttrArn]
	if current == "" || familyOf(current) != r.Name {
		return nil
	}
	td, live, err := p.latest(ctx, r)
	if err != nil || td == nil {
		return err
	}
	if !owned(env, r, live) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	arns, err := p.activeRevisions(ctx, r)
	if err != nil {
		return err
	}
	var stale []string
	for _, arn := range arns {
		if arn != current {
			stale = append(stale, arn)
		}
	}
	return p.deregister(ctx, r, stale)
}

func (p family) register(ctx context.Context, env provision.Env, r plan.Resource, w taskWant) (provision.Outputs, error) {
	in := &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(r.Name),
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		NetworkMode:             types.NetworkModeAwsvpc,
		Cpu:                     aws.String(w.cpu),
		Memory:                  aws.String(w.memory),
		RuntimePlatform: &types.RuntimePlatform{
			CpuArchitecture: types.CPUArchitecture(w.arch), OperatingSystemFamily: types.OSFamilyLinux,
		},
		ContainerDefinitions: []types.ContainerDefinition{containerDefinition(w.container, w)},
		Tags:                 tags(env, r),
	}
	if w.execRole != "" {
		in.ExecutionRoleArn = aws.String(w.execRole)
	}
	if w.taskRole != "" {
		in.TaskRoleArn = aws.String(w.taskRole)
	}
	var out *ecs.RegisterTaskDefinitionOutput
	err := provision.Retry(ctx, func() (err error) { // a role created moments ago may not be valid yet
		out, err = p.client.RegisterTaskDefinition(ctx, in)
		return err
	})
	if err != nil {
		return nil, provision.Classify(err, "register", string(r.Kind), r.Name)
	}
	return taskOutputs(r, out.TaskDefinition), nil
}

// familyOf returns the family of a task definition ARN (…:task-definition/<family>:<rev>).
func familyOf(arn string) string {
	_, rest, _ := strings.Cut(arn, ":task-definition/")
	family, _, _ := strings.Cut(rest, ":")
	return family
}
