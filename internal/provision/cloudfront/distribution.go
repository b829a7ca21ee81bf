package cloudfront

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Distribution provisions plan.KindDistribution: the one distribution per app/stage.
//
// Identity. The comment is the resource's physical name (r.Name), the ownership tags are
// set at create (CreateDistributionWithTags), and the caller reference is derived from
// app/stage/resource id. A distribution is looked up by its applied "Id" when the state
// has one, else by listing and matching the comment, then the tags: a distribution with
// berth's comment but without berth's tags is somebody else's.
//
// Configuration and what Observe compares: see spec (distribution_spec.go); it is built
// only to compare or write (Observe builds it for a distribution berth owns), so Delete
// never needs the refs it resolves. Ready means Deployed. Deletion: see remove
// (distribution_delete.go).
type Distribution struct {
	provision.Provisioner
	api DistributionAPI
	now func() time.Time
}

// NewDistribution returns the provisioner for plan.KindDistribution.
func NewDistribution(api DistributionAPI) *Distribution {
	d := &Distribution{api: api, now: time.Now}
	d.Provisioner = provision.Adapt(provision.Kind[DistributionAPI, plan.DistributionProps, live]{
		Clients: func(string) DistributionAPI { return api },
		Find:    func(ctx context.Context, c *distCall) (*live, error) { return d.find(ctx, c.Env, c.R) },
		Owned:   func(_ *distCall, l *live) bool { return l.owned },
		Diff: func(_ context.Context, c *distCall, l *live) (provision.Diffs, error) {
			s, err := specFor(c.Env, c.R, c.Props)
			if err != nil {
				return nil, err
			}
			return s.diff(l.dist.DistributionConfig), nil
		},
		Ready:   func(l *live) bool { return aws.ToString(l.dist.Status) == "Deployed" },
		Outputs: func(c *distCall, l *live) provision.Outputs { return distOutputs(c.Env, l.dist) },
		Create: func(ctx context.Context, c *distCall) (provision.Outputs, error) {
			s, err := specFor(c.Env, c.R, c.Props)
			if err != nil {
				return nil, err
			}
			return d.create(ctx, c.Env, c.R, s, callerReference(c.Env, c.R))
		},
		Converge: func(ctx context.Context, c *distCall, l *live, _ provision.Diffs) (provision.Outputs, error) {
			s, err := specFor(c.Env, c.R, c.Props)
			if err != nil {
				return nil, err
			}
			return d.converge(ctx, c.Env, c.R, s, l)
		},
		Remove:   d.remove,
		Classify: classify,
	})
	return d
}

type distCall = provision.Call[DistributionAPI, plan.DistributionProps]

// live is the distribution found for a resource.
type live struct {
	id, arn string
	owned   bool
	dist    *types.Distribution // read only for owned distributions
}

func (d *Distribution) create(ctx context.Context, env provision.Env, r plan.Resource, s spec, ref string) (provision.Outputs, error) {
	out, err := d.api.CreateDistributionWithTags(ctx, &sdk.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{DistributionConfig: s.newConfig(ref), Tags: distributionTags(env, r)},
	})
	if provision.ErrorCode(err) == "DistributionAlreadyExists" && ref == callerReference(env, r) {
		return d.adopt(ctx, env, r, s, err)
	}
	if err != nil {
		return nil, classify(err, "create", r)
	}
	return distOutputs(env, out.Distribution), nil
}

// classify is provision.Classify plus one CloudFront case: InvalidViewerCertificate is
// what CloudFront answers for a certificate ACM has not issued yet. berth's certificates
// are always in us-east-1, so that is the likely cause and waiting fixes it: the
// workflow should wait for the certificate's Observe to report Ready before applying the
// distribution, and this keeps a race from failing the deploy.
//
// Two more answers clear by themselves and are transient:
//   - IllegalUpdate "Only one viewer certificate change may be in progress at a time"
//     (hashicorp/terraform-provider-aws#679): a compensation restoring the previous
//     certificate while the forward change is still InProgress must wait, not fail;
//   - InvalidLambdaFunctionAssociation "The function must be in an Active state"
//     (goldstack/goldstack#18, aws-samples/cloudfront-authorization-at-edge#245): a
//     just-published Lambda@Edge version still Pending.
func classify(err error, op string, r plan.Resource) error {
	switch code := provision.ErrorCode(err); {
	case code == "InvalidViewerCertificate":
		return &provision.TransientError{Kind: kindDistribution, Name: r.Name, Op: op, Cause: "certificate not issued yet: " + err.Error()}
	case code == "IllegalUpdate":
		return &provision.TransientError{Kind: kindDistribution, Name: r.Name, Op: op, Cause: "another change to the distribution is still in progress: " + err.Error()}
	case code == "InvalidLambdaFunctionAssociation" && strings.Contains(err.Error(), "Active state"):
		return &provision.TransientError{Kind: kindDistribution, Name: r.Name, Op: op, Cause: "the body signer version is not Active yet: " + err.Error()}
	}
	return provision.Classify(err, op, kindDistribution, r.Name)
}

// adopt handles a create refused because berth's caller reference is taken. Usually an
// earlier create made the distribution and its answer was lost (a timeout): that
// distribution is this resource's, found by listing or by the id CloudFront names in the
// error ("... Already exists: E2ABC"). If that id no longer exists, the reference belonged
// to a distribution deleted since (a removed and redeployed stage): create again with a
// fresh reference.
func (d *Distribution) adopt(ctx context.Context, env provision.Env, r plan.Resource, s spec, cause error) (provision.Outputs, error) {
	l, err := d.find(ctx, env, r)
	if err != nil {
		return nil, err
	}
	if l == nil {
		id := existingID(cause)
		if id == "" {
			return nil, provision.Classify(cause, "create", kindDistribution, r.Name)
		}
		if l, err = d.byID(ctx, env, r, id); err != nil {
			return nil, err
		}
		if l == nil {
			return d.create(ctx, env, r, s, callerReference(env, r)+"-"+strconv.FormatInt(d.now().Unix(), 36))
		}
	}
	return d.converge(ctx, env, r, s, l)
}

// existingID is the distribution id DistributionAlreadyExists names, or "".
func existingID(err error) string {
	const marker = "Already exists: "
	msg := err.Error()
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return ""
	}
	f := strings.Fields(msg[i+len(marker):])
	if len(f) == 0 {
		return ""
	}
	return strings.TrimRight(f[0], ".,;)")
}

// converge brings an existing distribution to spec (one a create adopted may be somebody
// else's); an identical one costs no write.
func (d *Distribution) converge(ctx context.Context, env provision.Env, r plan.Resource, s spec, l *live) (provision.Outputs, error) {
	if !l.owned {
		return nil, &provision.NotOwnedError{Kind: kindDistribution, Name: r.Name}
	}
	if len(s.diff(l.dist.DistributionConfig)) == 0 {
		return distOutputs(env, l.dist), nil
	}
	var out *sdk.UpdateDistributionOutput
	err := withFreshETag(func() error {
		cur, err := d.api.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: aws.String(l.id)})
		if err != nil {
			return err
		}
		s.apply(cur.DistributionConfig)
		out, err = d.api.UpdateDistribution(ctx, &sdk.UpdateDistributionInput{
			Id: aws.String(l.id), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig,
		})
		return err
	})
	if err != nil {
		return nil, classify(err, "update", r)
	}
	return distOutputs(env, out.Distribution), nil
}

// find returns the distribution for r, or nil. It tries the id recorded in the applied
// outputs first (two reads), and lists the account's distributions otherwise.
func (d *Distribution) find(ctx context.Context, env provision.Env, r plan.Resource) (*live, error) {
	if env.Refs != nil {
		if id, err := env.Refs.Resolve(plan.Ref{ID: r.ID, Attr: plan.AttrID}); err == nil {
			l, err := d.byID(ctx, env, r, id)
			if err != nil {
				return nil, err
			}
			// The recorded id is only a shortcut: a distribution that is gone, renamed
			// or not berth's sends the lookup back to the comment.
			if l != nil && l.owned && aws.ToString(l.dist.DistributionConfig.Comment) == r.Name {
				return l, nil
			}
		}
	}
	return d.byComment(ctx, env, r)
}

// byComment lists distributions for those whose comment is r.Name and returns the one
// berth owns, else the first (foreign) one, else nil.
func (d *Distribution) byComment(ctx context.Context, env provision.Env, r plan.Resource) (*live, error) {
	var foreign *live
	var marker *string
	for {
		out, err := d.api.ListDistributions(ctx, &sdk.ListDistributionsInput{Marker: marker})
		if err != nil {
			return nil, provision.Classify(err, "list", kindDistribution, r.Name)
		}
		list := out.DistributionList
		if list == nil {
			return foreign, nil
		}
		for _, s := range list.Items {
			if aws.ToString(s.Comment) != r.Name {
				continue
			}
			l, err := d.byID(ctx, env, r, aws.ToString(s.Id))
			if err != nil {
				return nil, err
			}
			if l != nil && l.owned {
				return l, nil
			}
			if l != nil && foreign == nil {
				foreign = l
			}
		}
		marker = list.NextMarker
		if !aws.ToBool(list.IsTruncated) || aws.ToString(marker) == "" {
			return foreign, nil
		}
	}
}

// byID reads distribution id and its tags; nil when it does not exist.
func (d *Distribution) byID(ctx context.Context, env provision.Env, r plan.Resource, id string) (*live, error) {
	out, err := d.api.GetDistribution(ctx, &sdk.GetDistributionInput{Id: aws.String(id)})
	if provision.ErrorCode(err) == "NoSuchDistribution" {
		return nil, nil
	}
	if err != nil {
		return nil, provision.Classify(err, "read", kindDistribution, r.Name)
	}
	arn := aws.ToString(out.Distribution.ARN)
	tags, err := d.api.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: aws.String(arn)})
	if err != nil {
		return nil, provision.Classify(err, "read tags", kindDistribution, r.Name)
	}
	l := &live{id: id, arn: arn, owned: provision.Owned(env, r, tagMap(tags.Tags))}
	if l.owned {
		l.dist = out.Distribution
	}
	return l, nil
}

func tagMap(t *types.Tags) map[string]string {
	m := map[string]string{}
	if t != nil {
		for _, x := range t.Items {
			m[aws.ToString(x.Key)] = aws.ToString(x.Value)
		}
	}
	return m
}

// distOutputs: Id, DomainName, and Arn in the form Lambda permissions use as SourceArn
// (arn:aws:cloudfront::<account>:distribution/<id>).
func distOutputs(env provision.Env, dist *types.Distribution) provision.Outputs {
	id := aws.ToString(dist.Id)
	arn := aws.ToString(dist.ARN)
	if env.Account != "" {
		arn = "arn:" + partitionOf(arn) + ":cloudfront::" + env.Account + ":distribution/" + id
	}
	return provision.Outputs{plan.AttrID: id, plan.AttrArn: arn, plan.AttrDomainName: aws.ToString(dist.DomainName)}
}
