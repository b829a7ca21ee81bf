package ecr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// KindRepository is one container's image repository.
const KindRepository = plan.KindRepository

// LiveTag is the tag berth moves to the image a deployment runs when it commits
// (MarkLive); the lifecycle policy never expires that image.
const LiveTag = "berth-live"

// RepositoryProps are the repository's desired settings.
type RepositoryProps = plan.RepositoryProps

// API is the part of the ECR SDK client Repository calls; *ecr.Client satisfies it.
type API interface {
	DescribeRepositories(ctx context.Context, in *awsecr.DescribeRepositoriesInput, opts ...func(*awsecr.Options)) (*awsecr.DescribeRepositoriesOutput, error)
	ListTagsForResource(ctx context.Context, in *awsecr.ListTagsForResourceInput, opts ...func(*awsecr.Options)) (*awsecr.ListTagsForResourceOutput, error)
	GetLifecyclePolicy(ctx context.Context, in *awsecr.GetLifecyclePolicyInput, opts ...func(*awsecr.Options)) (*awsecr.GetLifecyclePolicyOutput, error)
	GetRepositoryPolicy(ctx context.Context, in *awsecr.GetRepositoryPolicyInput, opts ...func(*awsecr.Options)) (*awsecr.GetRepositoryPolicyOutput, error)
	CreateRepository(ctx context.Context, in *awsecr.CreateRepositoryInput, opts ...func(*awsecr.Options)) (*awsecr.CreateRepositoryOutput, error)
	PutImageScanningConfiguration(ctx context.Context, in *awsecr.PutImageScanningConfigurationInput, opts ...func(*awsecr.Options)) (*awsecr.PutImageScanningConfigurationOutput, error)
	PutLifecyclePolicy(ctx context.Context, in *awsecr.PutLifecyclePolicyInput, opts ...func(*awsecr.Options)) (*awsecr.PutLifecyclePolicyOutput, error)
	SetRepositoryPolicy(ctx context.Context, in *awsecr.SetRepositoryPolicyInput, opts ...func(*awsecr.Options)) (*awsecr.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(ctx context.Context, in *awsecr.DeleteRepositoryPolicyInput, opts ...func(*awsecr.Options)) (*awsecr.DeleteRepositoryPolicyOutput, error)
	DeleteRepository(ctx context.Context, in *awsecr.DeleteRepositoryInput, opts ...func(*awsecr.Options)) (*awsecr.DeleteRepositoryOutput, error)
	LiveAPI
}

// ClientFactory returns the ECR client for a region; it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		return awsecr.NewFromConfig(cfg, func(o *awsecr.Options) { o.Region = region })
	})
}

// Register adds KindRepository to reg.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[KindRepository] = NewRepository(clients)
}

// live is a repository as it is.
type live struct {
	repo      types.Repository
	tags      map[string]string
	lifecycle string // canonical JSON, "" when none
	policy    string // canonical JSON, "" when none
}

type call = provision.Call[API, want]

// NewRepository returns the provisioner of KindRepository: the repository named r.Name.
// The images go with the repository on delete (Force): they are berth's builds of this
// container.
func NewRepository(clients ClientFactory) provision.Provisioner {
	return repository{clients: clients, Provisioner: provision.Adapt(provision.Kind[API, want, live]{
		Clients: clients,
		Desired: desired,
		Find:    func(ctx context.Context, c *call) (*live, error) { return read(ctx, c.API, c.R.Name) },
		Owned:   func(c *call, l *live) bool { return provision.Owned(c.Env, c.R, l.tags) },
		Diff: func(_ context.Context, c *call, l *live) (provision.Diffs, error) {
			return diff(c.Props, l), nil
		},
		Outputs: func(_ *call, l *live) provision.Outputs { return outputs(l.repo) },
		Create:  create,
		Converge: func(ctx context.Context, c *call, l *live, d provision.Diffs) (provision.Outputs, error) {
			return outputs(l.repo), converge(ctx, c.API, c.R.Name, c.Props, d)
		},
		Remove: func(ctx context.Context, c *call, _ *live) error {
			_, err := c.API.DeleteRepository(ctx, &awsecr.DeleteRepositoryInput{RepositoryName: aws.String(c.R.Name), Force: true})
			return err
		},
	})}
}

// create makes the tagged repository, then sets its policies; one that appeared
// meanwhile is re-read so the ownership check decides.
func create(ctx context.Context, c *call) (provision.Outputs, error) {
	api, r := c.API, c.R
	var tags []types.Tag
	for k, v := range provision.Tags(c.Env, r) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := api.CreateRepository(ctx, &awsecr.CreateRepositoryInput{
		RepositoryName:             aws.String(r.Name),
		Tags:                       tags,
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: c.Props.scanOnPush},
		// Mutable: LiveTag moves from image to image.
		ImageTagMutability: types.ImageTagMutabilityMutable,
	})
	l := &live{tags: provision.Tags(c.Env, r)}
	switch {
	case provision.ErrorCode(err) == "RepositoryAlreadyExistsException":
		if l, err = read(ctx, api, r.Name); err == nil && l == nil {
			err = fmt.Errorf("repository %s reported as existing but not found", r.Name)
		}
		if err != nil {
			return nil, err
		}
		if !provision.Owned(c.Env, r, l.tags) {
			return nil, c.NotOwned()
		}
	case err != nil:
		return nil, err
	default:
		l.repo = *out.Repository
	}
	return outputs(l.repo), converge(ctx, api, r.Name, c.Props, diff(c.Props, l))
}

// want is the desired state in the form it is compared in.
type want struct {
	scanOnPush        bool
	lifecycle, policy string
}

func desired(_ context.Context, c *call) (want, error) {
	r := c.R
	props, err := provision.Decode[RepositoryProps](r)
	if err != nil {
		return want{}, err
	}
	if props.KeepImages < 1 {
		return want{}, reject(r, fmt.Errorf("keepImages is %d: keep at least 1 image", props.KeepImages))
	}
	lc, err := canonical(lifecyclePolicy(props.KeepImages))
	if err != nil {
		return want{}, reject(r, err)
	}
	w := want{scanOnPush: props.ScanOnPush, lifecycle: lc}
	if props.LambdaSourceArn != "" {
		if w.policy, err = canonical(pullPolicy(props.LambdaSourceArn)); err != nil {
			return want{}, reject(r, err)
		}
	}
	return w, nil
}

func diff(w want, l *live) provision.Diffs {
	var d provision.Diffs
	scan := l.repo.ImageScanningConfiguration != nil && l.repo.ImageScanningConfiguration.ScanOnPush
	d.Add("scanOnPush", w.scanOnPush, scan)
	d.Add("lifecyclePolicy", w.lifecycle, l.lifecycle)
	d.Add("repositoryPolicy", w.policy, l.policy)
	return d
}

// converge changes what differs (d), and nothing else.
func converge(ctx context.Context, api API, name string, w want, d provision.Diffs) error {
	if d.Has("scanOnPush") {
		if _, err := api.PutImageScanningConfiguration(ctx, &awsecr.PutImageScanningConfigurationInput{
			RepositoryName: aws.String(name), ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: w.scanOnPush},
		}); err != nil {
			return err
		}
	}
	if d.Has("lifecyclePolicy") {
		if _, err := api.PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: aws.String(name), LifecyclePolicyText: aws.String(w.lifecycle)}); err != nil {
			return err
		}
	}
	if !d.Has("repositoryPolicy") {
		return nil
	}
	if w.policy == "" {
		_, err := api.DeleteRepositoryPolicy(ctx, &awsecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String(name)})
		if provision.ErrorCode(err) == "RepositoryPolicyNotFoundException" {
			return nil
		}
		return err
	}
	_, err := api.SetRepositoryPolicy(ctx, &awsecr.SetRepositoryPolicyInput{RepositoryName: aws.String(name), PolicyText: aws.String(w.policy)})
	return err
}

// read finds the repository, its tags and policies; nil when there is none.
func read(ctx context.Context, api API, name string) (*live, error) {
	out, err := api.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if provision.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.Repositories) == 0 {
		return nil, nil
	}
	l := &live{repo: out.Repositories[0], tags: map[string]string{}}
	tags, err := api.ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: l.repo.RepositoryArn})
	if err != nil {
		return nil, err
	}
	for _, t := range tags.Tags {
		l.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	lc, err := api.GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String(name)})
	switch {
	case provision.ErrorCode(err) == "LifecyclePolicyNotFoundException":
	case err != nil:
		return nil, err
	default:
		if l.lifecycle, err = canonicalText(aws.ToString(lc.LifecyclePolicyText)); err != nil {
			return nil, err
		}
	}
	pol, err := api.GetRepositoryPolicy(ctx, &awsecr.GetRepositoryPolicyInput{RepositoryName: aws.String(name)})
	switch {
	case provision.ErrorCode(err) == "RepositoryPolicyNotFoundException":
	case err != nil:
		return nil, err
	default:
		if l.policy, err = canonicalText(aws.ToString(pol.PolicyText)); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func outputs(repo types.Repository) provision.Outputs {
	return provision.Outputs{
		plan.AttrName: aws.ToString(repo.RepositoryName),
		plan.AttrArn:  aws.ToString(repo.RepositoryArn),
		AttrUri:       aws.ToString(repo.RepositoryUri),
	}
}

// AttrUri is the repository's URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>).
const AttrUri = plan.AttrURI

// canonical renders v as compact JSON with sorted keys, the form policies are compared in.
func canonical(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return canonicalText(string(raw))
}

// canonicalText re-renders JSON text with sorted keys and no insignificant space, so a
// policy AWS returns pretty-printed compares equal to the one berth wrote.
func canonicalText(text string) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	raw, err := json.Marshal(v)
	return string(raw), err
}

func reject(r plan.Resource, err error) error {
	return &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "validate", Cause: err.Error()}
}
