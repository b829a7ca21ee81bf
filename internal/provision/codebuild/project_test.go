package codebuild

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func projectResource(t *testing.T, name string, props ProjectProps) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: "build/" + props.Arch, Kind: KindProject, Name: name, Region: testRegion, Props: raw}
}

func (c *clients) factory() ProjectClients {
	return func(string) ProjectAPI { return c.codebuild }
}

func TestProjectLifecycleAgainstMoto(t *testing.T) {
	c := newClients(t)
	name := projectName("arm64")
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewProject(c.factory()),
		Env:           env,
		Calls:         c.calls,
		Initial:       projectResource(t, name, ProjectProps{Arch: "arm64", ServiceRole: plan.RoleRef{Arn: roleArn}}),
		Updated:       projectResource(t, name, ProjectProps{Arch: "arm64", ServiceRole: plan.RoleRef{Arn: roleArn}, TimeoutMinutes: 60}),
		UpdatedFields: []string{"timeoutInMinutes"},
		OutOfBand: func(ctx context.Context) error {
			got, err := c.raw.BatchGetProjects(ctx, &cb.BatchGetProjectsInput{Names: []string{name}})
			if err != nil {
				return err
			}
			e := *got.Projects[0].Environment
			e.PrivilegedMode = aws.Bool(false)
			_, err = c.raw.UpdateProject(ctx, &cb.UpdateProjectInput{Name: aws.String(name), Environment: &e})
			return err
		},
		DriftField: "environment.privilegedMode",
	})
}

func TestProjectNotOwnedIsLeftAlone(t *testing.T) {
	c := newClients(t)
	name := projectName("amd64")
	r := projectResource(t, name, ProjectProps{Arch: "amd64", ServiceRole: plan.RoleRef{Arn: roleArn}})
	provtest.NotOwned(t, NewProject(c.factory()), env, r, func(ctx context.Context) error {
		_, err := c.raw.CreateProject(ctx, &cb.CreateProjectInput{
			Name: aws.String(name), Source: &types.ProjectSource{Type: types.SourceTypeNoSource, Buildspec: aws.String("version: 0.2")},
			Artifacts:   &types.ProjectArtifacts{Type: types.ArtifactsTypeNoArtifacts},
			Environment: &types.ProjectEnvironment{Type: types.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"), ComputeType: types.ComputeTypeBuildGeneral1Small},
			ServiceRole: aws.String(roleArn),
		})
		return err
	})
}

func TestEachArchitectureGetsANativePrivilegedBuildHost(t *testing.T) {
	tests := []struct {
		arch, envType, image, packAsset string
	}{
		{"amd64", "LINUX_CONTAINER", "aws/codebuild/amazonlinux-x86_64-standard:5.0", "linux"},
		{"arm64", "ARM_CONTAINER", "aws/codebuild/amazonlinux-aarch64-standard:3.0", "linux-arm64"},
	}
	for _, tc := range tests {
		t.Run(tc.arch, func(t *testing.T) {
			c := newClients(t)
			ctx := context.Background()
			name := projectName(tc.arch)
			out, err := NewProject(c.factory()).Create(ctx, env, projectResource(t, name, ProjectProps{Arch: tc.arch, ServiceRole: plan.RoleRef{Arn: roleArn}}))
			if err != nil {
				t.Fatal(err)
			}
			if out[plan.AttrName] != name || !strings.HasSuffix(out[plan.AttrArn], ":project/"+name) {
				t.Fatalf("outputs %v", out)
			}
			if s := c.calls.Summary(); s.Mutating != 1 {
				t.Fatalf("create made %d mutating calls, want 1", s.Mutating)
			}
			got, err := c.raw.BatchGetProjects(ctx, &cb.BatchGetProjectsInput{Names: []string{name}})
			if err != nil {
				t.Fatal(err)
			}
			p := got.Projects[0]
			e := p.Environment
			if string(e.Type) != tc.envType || aws.ToString(e.Image) != tc.image || !aws.ToBool(e.PrivilegedMode) {
				t.Fatalf("environment %+v", e)
			}
			vars := renderVars(e.EnvironmentVariables)
			if !strings.Contains(vars, EnvArch+"="+tc.arch) || !strings.Contains(vars, EnvPackAsset+"="+tc.packAsset) || !strings.Contains(vars, EnvPackBuilder+"="+PackBuilder) {
				t.Fatalf("variables %s", vars)
			}
			if p.Source.Type != types.SourceTypeNoSource || aws.ToString(p.Source.Buildspec) != Buildspec {
				t.Fatalf("source %+v", p.Source)
			}
			if g := aws.ToString(p.LogsConfig.CloudWatchLogs.GroupName); g != LogGroup(name) {
				t.Fatalf("log group %q", g)
			}
			if tags := tagMap(p.Tags); !provision.Owned(env, projectResource(t, name, ProjectProps{Arch: tc.arch}), tags) {
				t.Fatalf("tags %v", tags)
			}
		})
	}
}

func TestBadProjectPropsAreRejectedBeforeAnyCall(t *testing.T) {
	tests := []struct {
		name  string
		props ProjectProps
		want  string
	}{
		{"an unknown architecture", ProjectProps{Arch: "x86", ServiceRole: plan.RoleRef{Arn: roleArn}}, "arch"},
		{"no service role", ProjectProps{Arch: "amd64"}, "serviceRole"},
		{"a timeout CodeBuild refuses", ProjectProps{Arch: "amd64", ServiceRole: plan.RoleRef{Arn: roleArn}, TimeoutMinutes: 3000}, "timeoutMinutes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClients(t)
			_, err := NewProject(c.factory()).Create(context.Background(), env, projectResource(t, projectName("amd64"), tc.props))
			re, ok := err.(*provision.RejectedError)
			if !ok || !strings.Contains(re.Error(), tc.want) {
				t.Fatalf("got %v, want *provision.RejectedError naming %s", err, tc.want)
			}
			if s := c.calls.Summary(); s.Mutating+s.Read != 0 {
				t.Fatalf("a rejected create made %d calls", s.Mutating+s.Read)
			}
		})
	}
}
