package codebuild

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// KindProject is the build project for one region and architecture.
const KindProject = plan.KindBuildProject

// ProjectProps are the project's desired settings.
type ProjectProps = plan.BuildProjectProps

// buildImages are CodeBuild's curated images for each architecture, with the
// environment type each must run in (docs.aws.amazon.com/codebuild/latest/userguide/
// ec2-compute-images.html).
var buildImages = map[string]struct {
	envType   types.EnvironmentType
	image     string
	packAsset string
}{
	"amd64": {types.EnvironmentTypeLinuxContainer, "aws/codebuild/amazonlinux-x86_64-standard:5.0", "linux"},
	"arm64": {types.EnvironmentTypeArmContainer, "aws/codebuild/amazonlinux-aarch64-standard:3.0", "linux-arm64"},
}

// LogGroup is where a project's builds log: CodeBuild's default group name, set
// explicitly so the build step can find the log without asking the project.
func LogGroup(project string) string { return "/aws/codebuild/" + project }

// ProjectAPI is the part of the CodeBuild SDK client Project calls.
type ProjectAPI interface {
	BatchGetProjects(ctx context.Context, in *cb.BatchGetProjectsInput, opts ...func(*cb.Options)) (*cb.BatchGetProjectsOutput, error)
	CreateProject(ctx context.Context, in *cb.CreateProjectInput, opts ...func(*cb.Options)) (*cb.CreateProjectOutput, error)
	UpdateProject(ctx context.Context, in *cb.UpdateProjectInput, opts ...func(*cb.Options)) (*cb.UpdateProjectOutput, error)
	DeleteProject(ctx context.Context, in *cb.DeleteProjectInput, opts ...func(*cb.Options)) (*cb.DeleteProjectOutput, error)
}

// ProjectClients returns the CodeBuild client for a region; it should cache clients.
type ProjectClients func(region string) ProjectAPI

// Clients is the ProjectClients of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ProjectClients {
	return provision.PerRegion(func(region string) ProjectAPI {
		return cb.NewFromConfig(cfg, func(o *cb.Options) { o.Region = region })
	})
}

type call = provision.Call[ProjectAPI, spec]

// NewProject returns the provisioner of KindProject: the project named r.Name.
func NewProject(clients ProjectClients) provision.Provisioner {
	return provision.Adapt(provision.Kind[ProjectAPI, spec, types.Project]{
		Clients: clients,
		Desired: func(_ context.Context, c *call) (spec, error) { return desired(c.Env, c.R) },
		Find:    func(ctx context.Context, c *call) (*types.Project, error) { return read(ctx, c.API, c.R.Name) },
		Owned:   func(c *call, live *types.Project) bool { return provision.Owned(c.Env, c.R, tagMap(live.Tags)) },
		Diff: func(_ context.Context, c *call, live *types.Project) (provision.Diffs, error) {
			return diff(c.Props, live), nil
		},
		Outputs: func(_ *call, live *types.Project) provision.Outputs { return outputs(live) },
		Create:  create,
		Converge: func(ctx context.Context, c *call, _ *types.Project, _ provision.Diffs) (provision.Outputs, error) {
			return update(ctx, c)
		},
		Remove: func(ctx context.Context, c *call, _ *types.Project) error {
			_, err := c.API.DeleteProject(ctx, &cb.DeleteProjectInput{Name: aws.String(c.R.Name)})
			return err
		},
	})
}

// Register adds KindProject to reg.
func Register(reg provision.Registry, clients ProjectClients) {
	reg[KindProject] = NewProject(clients)
}

// spec is the desired project in the SDK's terms.
type spec struct {
	env     *types.ProjectEnvironment
	source  *types.ProjectSource
	logs    *types.LogsConfig
	role    string
	timeout int32
}

func desired(env provision.Env, r plan.Resource) (spec, error) {
	props, err := provision.Decode[ProjectProps](r)
	if err != nil {
		return spec{}, err
	}
	refuse := func(format string, a ...any) (spec, error) {
		return spec{}, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "validate", Cause: fmt.Sprintf(format, a...)}
	}
	img, ok := buildImages[props.Arch]
	if !ok {
		return refuse("arch is %q: use amd64 or arm64", props.Arch)
	}
	role := props.ServiceRole.Arn
	if props.ServiceRole.Ref != nil {
		if role, err = env.Refs.Resolve(*props.ServiceRole.Ref); err != nil {
			return spec{}, err
		}
	}
	if !strings.HasPrefix(role, "arn:") {
		return refuse("serviceRole %q is not a role ARN", role)
	}
	timeout := int32(props.TimeoutMinutes)
	if timeout == 0 {
		timeout = 30
	}
	if timeout < 5 || timeout > 2160 {
		return refuse("timeoutMinutes is %d: CodeBuild takes 5 to 2160", timeout)
	}
	plain := func(k, v string) types.EnvironmentVariable {
		return types.EnvironmentVariable{Name: aws.String(k), Value: aws.String(v), Type: types.EnvironmentVariableTypePlaintext}
	}
	return spec{
		env: &types.ProjectEnvironment{
			Type: img.envType, Image: aws.String(img.image), ComputeType: types.ComputeTypeBuildGeneral1Small,
			PrivilegedMode:           aws.Bool(true), // Docker runs inside the build
			ImagePullCredentialsType: types.ImagePullCredentialsTypeCodebuild,
			EnvironmentVariables: []types.EnvironmentVariable{
				plain(EnvArch, props.Arch), plain(EnvPackAsset, img.packAsset), plain(EnvPackBuilder, PackBuilder),
			},
		},
		source: &types.ProjectSource{Type: types.SourceTypeNoSource, Buildspec: aws.String(Buildspec)},
		logs: &types.LogsConfig{CloudWatchLogs: &types.CloudWatchLogsConfig{
			Status: types.LogsConfigStatusTypeEnabled, GroupName: aws.String(LogGroup(r.Name)),
		}},
		role:    role,
		timeout: timeout,
	}, nil
}

// create makes the project; one made meanwhile is re-read so the ownership check decides.
func create(ctx context.Context, c *call) (provision.Outputs, error) {
	want, r := c.Props, c.R
	out, err := c.API.CreateProject(ctx, &cb.CreateProjectInput{
		Name: aws.String(r.Name), Source: want.source, Environment: want.env, LogsConfig: want.logs,
		Artifacts:   &types.ProjectArtifacts{Type: types.ArtifactsTypeNoArtifacts},
		ServiceRole: aws.String(want.role), TimeoutInMinutes: aws.Int32(want.timeout), Tags: tags(c.Env, r),
		Description: aws.String("berth: builds container images from source (" + r.Name + ")"),
	})
	if provision.ErrorCode(err) == "ResourceAlreadyExistsException" {
		live, rerr := read(ctx, c.API, r.Name)
		switch {
		case rerr != nil:
			return nil, rerr
		case live == nil: // deleted again meanwhile
			return nil, err
		case !provision.Owned(c.Env, r, tagMap(live.Tags)):
			return nil, c.NotOwned()
		case len(diff(want, live)) == 0:
			return outputs(live), nil
		}
		return update(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	return outputs(out.Project), nil
}

func update(ctx context.Context, c *call) (provision.Outputs, error) {
	want := c.Props
	out, err := c.API.UpdateProject(ctx, &cb.UpdateProjectInput{
		Name: aws.String(c.R.Name), Source: want.source, Environment: want.env, LogsConfig: want.logs,
		ServiceRole: aws.String(want.role), TimeoutInMinutes: aws.Int32(want.timeout),
	})
	if err != nil {
		return nil, err
	}
	return outputs(out.Project), nil
}

// read finds the project; nil when there is none (BatchGetProjects lists missing names
// in ProjectsNotFound rather than failing).
func read(ctx context.Context, api ProjectAPI, name string) (*types.Project, error) {
	out, err := api.BatchGetProjects(ctx, &cb.BatchGetProjectsInput{Names: []string{name}})
	if err != nil {
		return nil, err
	}
	for _, p := range out.Projects {
		if aws.ToString(p.Name) == name {
			return &p, nil
		}
	}
	return nil, nil
}

func diff(want spec, live *types.Project) provision.Diffs {
	var d provision.Diffs
	env := live.Environment
	if env == nil {
		env = &types.ProjectEnvironment{}
	}
	d.Add("environment.image", aws.ToString(want.env.Image), aws.ToString(env.Image))
	d.Add("environment.type", want.env.Type, env.Type)
	d.Add("environment.computeType", want.env.ComputeType, env.ComputeType)
	d.Add("environment.privilegedMode", true, aws.ToBool(env.PrivilegedMode))
	d.Add("environment.variables", renderVars(want.env.EnvironmentVariables), renderVars(env.EnvironmentVariables))
	buildspec, sourceType := "", types.SourceType("")
	if live.Source != nil {
		buildspec, sourceType = aws.ToString(live.Source.Buildspec), live.Source.Type
	}
	d.Add("source.type", want.source.Type, sourceType)
	if buildspec != aws.ToString(want.source.Buildspec) {
		d = append(d, provision.FieldDiff{Field: "source.buildspec", Desired: "berth's buildspec", Actual: "a different buildspec"})
	}
	group := ""
	if live.LogsConfig != nil && live.LogsConfig.CloudWatchLogs != nil {
		group = aws.ToString(live.LogsConfig.CloudWatchLogs.GroupName)
	}
	d.Add("logsConfig.groupName", aws.ToString(want.logs.CloudWatchLogs.GroupName), group)
	d.Add("serviceRole", want.role, aws.ToString(live.ServiceRole))
	d.Add("timeoutInMinutes", want.timeout, aws.ToInt32(live.TimeoutInMinutes))
	return d
}

func renderVars(vars []types.EnvironmentVariable) string {
	var out []string
	for _, v := range vars {
		out = append(out, aws.ToString(v.Name)+"="+aws.ToString(v.Value))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func tags(env provision.Env, r plan.Resource) []types.Tag {
	var out []types.Tag
	for k, v := range provision.Tags(env, r) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Key < *out[j].Key })
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func outputs(p *types.Project) provision.Outputs {
	if p == nil {
		return nil
	}
	return provision.Outputs{plan.AttrName: aws.ToString(p.Name), plan.AttrArn: aws.ToString(p.Arn)}
}
