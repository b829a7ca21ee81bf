package ecr

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const testRegion = "eu-west-1"

var env = provision.Env{App: "shop", Stage: "dev", Account: motoserver.Account, Region: testRegion}

// moto is one test's clients: the provisioner's, counted, and a raw one for setup and
// out-of-band changes.
type moto struct {
	calls   *awscalls.Counter
	clients ClientFactory
	raw     *awsecr.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), testRegion)
	if err != nil {
		t.Fatal(err)
	}
	raw := awsecr.NewFromConfig(cfg.Copy())
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &moto{calls: calls, clients: Clients(cfg), raw: raw}
}

var unique atomic.Int64

func repoName() string { return fmt.Sprintf("berth/shop-dev/api-%d", unique.Add(1)) }

const sourceArn = "arn:aws:lambda:eu-west-1:123456789012:function:berth-shop-dev-*"

func repoResource(t *testing.T, name string, props RepositoryProps) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: "api/Repository", Kind: KindRepository, Container: "api", Name: name, Region: testRegion, Props: raw}
}

func TestRepositoryLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	name := repoName()
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewRepository(m.clients),
		Env:           env,
		Calls:         m.calls,
		Initial:       repoResource(t, name, RepositoryProps{KeepImages: 10, LambdaSourceArn: sourceArn}),
		Updated:       repoResource(t, name, RepositoryProps{ScanOnPush: true, KeepImages: 20}),
		UpdatedFields: []string{"scanOnPush", "lifecyclePolicy", "repositoryPolicy"},
		// Not a scan-on-push change: the SDK sends scanOnPush=false as an empty object,
		// which AWS reads as false (the member's default) and moto 5.2.1 ignores.
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw.DeleteLifecyclePolicy(ctx, &awsecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String(name)})
			return err
		},
		DriftField: "lifecyclePolicy",
	})
}

func TestRepositoryNotOwnedIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	name := repoName()
	provtest.NotOwned(t, NewRepository(m.clients), env, repoResource(t, name, RepositoryProps{KeepImages: 5}), func(ctx context.Context) error {
		_, err := m.raw.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(name)})
		return err
	})
}

func TestANewRepositoryIsTaggedScannedAndHasBothPolicies(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name := repoName()
	out, err := NewRepository(m.clients).Create(ctx, env, repoResource(t, name, RepositoryProps{ScanOnPush: true, KeepImages: 7, LambdaSourceArn: sourceArn}))
	if err != nil {
		t.Fatal(err)
	}
	s := m.calls.Summary()
	t.Logf("one repository create: %d mutating, %d read: %+v", s.Mutating, s.Read, s.Ops)
	if s.Mutating != 3 {
		t.Fatalf("create made %d mutating calls, want 3 (create, lifecycle policy, repository policy)", s.Mutating)
	}
	if !strings.HasSuffix(out[AttrUri], "/"+name) || !strings.HasSuffix(out[plan.AttrArn], ":repository/"+name) || out[plan.AttrName] != name {
		t.Fatalf("outputs %v", out)
	}

	desc, err := m.raw.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	repo := desc.Repositories[0]
	if !repo.ImageScanningConfiguration.ScanOnPush || repo.ImageTagMutability != types.ImageTagMutabilityMutable {
		t.Fatalf("repository %+v: want scan on push and mutable tags", repo)
	}
	tags, err := m.raw.ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: repo.RepositoryArn})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tg := range tags.Tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if got[provision.TagApp] != "shop" || got[provision.TagStage] != "dev" || got[provision.TagResource] != "api/Repository" {
		t.Fatalf("tags %v", got)
	}

	lc, err := m.raw.GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Rules []lifecycleRule `json:"rules"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(lc.LifecyclePolicyText)), &policy); err != nil {
		t.Fatal(err)
	}
	if len(policy.Rules) != 2 {
		t.Fatalf("lifecycle rules %+v", policy.Rules)
	}
	liveRule, recent := policy.Rules[0], policy.Rules[1]
	if liveRule.RulePriority >= recent.RulePriority || liveRule.Selection.TagPatternList[0] != LiveTag || liveRule.Selection.CountNumber != 1 {
		t.Fatalf("rule 1 %+v must select the live tag ahead of rule 2", liveRule)
	}
	// ECR requires a rule selecting "any" to have the lowest priority (the highest number).
	if recent.Selection.TagStatus != "any" || recent.Selection.CountType != "imageCountMoreThan" || recent.Selection.CountNumber != 7 {
		t.Fatalf("rule 2 %+v must keep the 7 most recent images", recent)
	}

	pol, err := m.raw.GetRepositoryPolicy(ctx, &awsecr.GetRepositoryPolicyInput{RepositoryName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	text := aws.ToString(pol.PolicyText)
	for _, want := range []string{`"lambda.amazonaws.com"`, `"ecr:BatchGetImage"`, `"ecr:GetDownloadUrlForLayer"`, sourceArn} {
		if !strings.Contains(text, want) {
			t.Errorf("repository policy %s lacks %s", text, want)
		}
	}
	if strings.Contains(text, `"*"`) {
		t.Errorf("repository policy %s has a * principal or action", text)
	}
}

func TestDeletingARepositoryDeletesItsImages(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name := repoName()
	r := repoResource(t, name, RepositoryProps{KeepImages: 3})
	p := NewRepository(m.clients)
	if _, err := p.Create(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}`
	if _, err := m.raw.PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String(name), ImageManifest: aws.String(manifest), ImageTag: aws.String("abc")}); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if obs, err := p.Observe(ctx, env, r); err != nil || obs.Exists {
		t.Fatalf("after delete: %+v, %v", obs, err)
	}
}

func TestKeepingNoImagesIsRejected(t *testing.T) {
	m := newMoto(t)
	name := repoName()
	_, err := NewRepository(m.clients).Create(context.Background(), env, repoResource(t, name, RepositoryProps{KeepImages: 0}))
	if re, ok := err.(*provision.RejectedError); !ok || !strings.Contains(re.Error(), "keepImages") {
		t.Fatalf("got %v, want *provision.RejectedError naming keepImages", err)
	}
	if m.calls.Summary().Mutating != 0 {
		t.Fatal("a rejected create changed something")
	}
}

// manifestOf is a small image manifest whose digest follows layer.
func manifestOf(layer string) string {
	return `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,"digest":"sha256:` + layer + `"}]}`
}

// The live tag is what the lifecycle policy's first rule protects: "an image that matches
// the tagging requirements of a higher priority rule cannot be expired by a rule with a
// lower priority" (docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html),
// and rule 1 selects tagStatus "tagged" with tagPatternList [LiveTag] (a tagged rule must
// name a tagPatternList or tagPrefixList; docs.aws.amazon.com/AmazonECR/latest/userguide/
// lifecycle_policy_parameters.html). So the image a deployment runs must carry LiveTag,
// and only that image: the one it replaced must lose it to become expirable again.
func TestACommittedImageTakesTheLiveTagFromTheImageItReplaced(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name := repoName()
	r := repoResource(t, name, RepositoryProps{KeepImages: 3})
	p := NewRepository(m.clients)
	out, err := p.Create(ctx, env, r)
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, tag := range []string{"v1", "v2"} {
		put, err := m.raw.PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String(name), ImageTag: aws.String(tag),
			ImageManifest: aws.String(manifestOf(strings.Repeat(tag[1:], 64)))})
		if err != nil {
			t.Fatal(err)
		}
		digests[tag] = aws.ToString(put.Image.ImageId.ImageDigest)
	}
	marker, ok := p.(interface {
		MarkLive(ctx context.Context, env provision.Env, r plan.Resource, image string) error
	})
	if !ok {
		t.Fatal("the repository provisioner has no MarkLive for the commit step")
	}
	tagsOf := func() map[string]string {
		t.Helper()
		d, err := m.raw.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, img := range d.ImageDetails {
			got[aws.ToString(img.ImageDigest)] = strings.Join(img.ImageTags, ",")
		}
		return got
	}
	for _, tc := range []struct {
		deployed string
		want     map[string]string
	}{
		{"v1", map[string]string{digests["v1"]: "v1," + LiveTag, digests["v2"]: "v2"}},
		{"v2", map[string]string{digests["v1"]: "v1", digests["v2"]: "v2," + LiveTag}},
		{"v2", map[string]string{digests["v1"]: "v1", digests["v2"]: "v2," + LiveTag}}, // again: a no-op
	} {
		if err := marker.MarkLive(ctx, env, r, out[AttrUri]+"@"+digests[tc.deployed]); err != nil {
			t.Fatal(err)
		}
		got := tagsOf()
		for d, want := range tc.want {
			tags := strings.Split(got[d], ",")
			slices.Sort(tags)
			wantTags := strings.Split(want, ",")
			slices.Sort(wantTags)
			if !slices.Equal(tags, wantTags) {
				t.Errorf("after %s was deployed, image %s has tags %v, want %v", tc.deployed, d, tags, wantTags)
			}
		}
	}
	// An image outside the repository (an image: reference that had the adapter already)
	// is not berth's to tag.
	before := m.calls.Summary().Mutating
	if err := marker.MarkLive(ctx, env, r, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@"+digests["v1"]); err != nil {
		t.Fatal(err)
	}
	if m.calls.Summary().Mutating != before {
		t.Fatal("marking an image in another repository changed something")
	}
}
