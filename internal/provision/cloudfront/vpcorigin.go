package cloudfront

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// VpcOriginAPI is the part of the CloudFront control plane the VPC origin provisioner
// calls. *cloudfront.Client satisfies it.
type VpcOriginAPI interface {
	CreateVpcOrigin(ctx context.Context, in *sdk.CreateVpcOriginInput, optFns ...func(*sdk.Options)) (*sdk.CreateVpcOriginOutput, error)
	GetVpcOrigin(ctx context.Context, in *sdk.GetVpcOriginInput, optFns ...func(*sdk.Options)) (*sdk.GetVpcOriginOutput, error)
	UpdateVpcOrigin(ctx context.Context, in *sdk.UpdateVpcOriginInput, optFns ...func(*sdk.Options)) (*sdk.UpdateVpcOriginOutput, error)
	DeleteVpcOrigin(ctx context.Context, in *sdk.DeleteVpcOriginInput, optFns ...func(*sdk.Options)) (*sdk.DeleteVpcOriginOutput, error)
	ListVpcOrigins(ctx context.Context, in *sdk.ListVpcOriginsInput, optFns ...func(*sdk.Options)) (*sdk.ListVpcOriginsOutput, error)
	ListTagsForResource(ctx context.Context, in *sdk.ListTagsForResourceInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error)
}

// NewVpcOrigin returns the provisioner of plan.KindVpcOrigin: CloudFront's private path to
// the internal ALB. It is found by name (ListVpcOrigins) and owned by its tags. A new or
// changed VPC origin is Deploying for minutes; Observe reports it ready only once its
// status is Deployed (CloudFront API reference, VpcOrigin.Status; the developer guide's
// "Restrict access with VPC origins": "wait for the VPC origin status to be Deployed"
// before a distribution uses it), so the state machine polls instead of a handler
// sleeping. Create returns once CloudFront accepted it. The load balancer ref is resolved
// only to compare or write: Delete does without it.
func NewVpcOrigin(api VpcOriginAPI) provision.Provisioner {
	return provision.Adapt(provision.Kind[VpcOriginAPI, plan.VpcOriginProps, vpcOriginLive]{
		Clients: func(string) VpcOriginAPI { return api },
		Find:    findVpcOrigin,
		Owned:   func(_ *vpcOriginCall, l *vpcOriginLive) bool { return l.owned },
		Diff: func(_ context.Context, c *vpcOriginCall, l *vpcOriginLive) (provision.Diffs, error) {
			want, err := vpcOriginWantFor(c)
			return want.diff(l.v.VpcOriginEndpointConfig), err
		},
		Ready:   func(l *vpcOriginLive) bool { return aws.ToString(l.v.Status) == statusDeployed },
		Outputs: func(_ *vpcOriginCall, l *vpcOriginLive) provision.Outputs { return vpcOriginOutputs(l.v) },
		Create: func(ctx context.Context, c *vpcOriginCall) (provision.Outputs, error) {
			want, err := vpcOriginWantFor(c)
			if err != nil {
				return nil, err
			}
			out, err := c.API.CreateVpcOrigin(ctx, &sdk.CreateVpcOriginInput{VpcOriginEndpointConfig: want.config(c.R), Tags: distributionTags(c.Env, c.R)})
			if err != nil {
				return nil, provision.Classify(err, "create", kindVpcOrigin, c.R.Name)
			}
			return vpcOriginOutputs(out.VpcOrigin), nil
		},
		Converge: updateVpcOrigin,
		Remove:   removeVpcOrigin,
	})
}

type vpcOriginCall = provision.Call[VpcOriginAPI, plan.VpcOriginProps]

// vpcOriginLive is the VPC origin named r.Name and whether berth owns it.
type vpcOriginLive struct {
	v     *types.VpcOrigin
	owned bool
}

const kindVpcOrigin = string(plan.KindVpcOrigin)

// statusDeployed is the VPC origin status once CloudFront has finished deploying it.
const statusDeployed = "Deployed"

type vpcOriginWant struct {
	arn                 string
	httpPort, httpsPort int32
	protocol            string
}

func vpcOriginWantFor(c *vpcOriginCall) (vpcOriginWant, error) {
	arn, err := resolveRef(c.Env, c.Props.LoadBalancer)
	if err != nil {
		return vpcOriginWant{}, err
	}
	p := c.Props
	return vpcOriginWant{arn: arn, httpPort: int32(p.HTTPPort), httpsPort: int32(p.HTTPSPort), protocol: orDefault(p.Protocol, "http-only")}, nil
}

func (w vpcOriginWant) config(r plan.Resource) *types.VpcOriginEndpointConfig {
	return &types.VpcOriginEndpointConfig{
		Name:                 aws.String(r.Name),
		Arn:                  aws.String(w.arn),
		HTTPPort:             aws.Int32(w.httpPort),
		HTTPSPort:            aws.Int32(w.httpsPort),
		OriginProtocolPolicy: types.OriginProtocolPolicy(w.protocol),
	}
}

func (w vpcOriginWant) diff(c *types.VpcOriginEndpointConfig) []provision.FieldDiff {
	if c == nil {
		c = &types.VpcOriginEndpointConfig{}
	}
	var d []provision.FieldDiff
	d = addDiff(d, "loadBalancer", w.arn, aws.ToString(c.Arn))
	d = addDiff(d, "httpPort", strconv.Itoa(int(w.httpPort)), strconv.Itoa(int(aws.ToInt32(c.HTTPPort))))
	d = addDiff(d, "httpsPort", strconv.Itoa(int(w.httpsPort)), strconv.Itoa(int(aws.ToInt32(c.HTTPSPort))))
	d = addDiff(d, "protocol", w.protocol, string(c.OriginProtocolPolicy))
	return d
}

func vpcOriginOutputs(v *types.VpcOrigin) provision.Outputs {
	return provision.Outputs{plan.AttrID: aws.ToString(v.Id), plan.AttrArn: aws.ToString(v.Arn)}
}

// updateVpcOrigin writes the desired endpoint configuration with the current ETag
// (re-read once when a concurrent change made it stale).
func updateVpcOrigin(ctx context.Context, c *vpcOriginCall, l *vpcOriginLive, _ provision.Diffs) (provision.Outputs, error) {
	want, err := vpcOriginWantFor(c)
	if err != nil {
		return nil, err
	}
	err = withFreshETag(func() error {
		cur, err := c.API.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: l.v.Id})
		if err != nil {
			return err
		}
		_, err = c.API.UpdateVpcOrigin(ctx, &sdk.UpdateVpcOriginInput{Id: l.v.Id, IfMatch: cur.ETag, VpcOriginEndpointConfig: want.config(c.R)})
		return err
	})
	if err != nil {
		return nil, provision.Classify(err, "update", kindVpcOrigin, c.R.Name)
	}
	return vpcOriginOutputs(l.v), nil
}

// removeVpcOrigin deletes the VPC origin. While a distribution still uses it, or it is
// still Deploying, CloudFront refuses: that is "not yet" (*provision.TransientError) and
// the state machine tries again.
func removeVpcOrigin(ctx context.Context, c *vpcOriginCall, l *vpcOriginLive) error {
	if aws.ToString(l.v.Status) == "Deleting" {
		return nil // Observe reports it gone once CloudFront is done
	}
	err := withFreshETag(func() error {
		cur, err := c.API.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: l.v.Id})
		if err != nil {
			return err
		}
		_, err = c.API.DeleteVpcOrigin(ctx, &sdk.DeleteVpcOriginInput{Id: l.v.Id, IfMatch: cur.ETag})
		return err
	})
	switch provision.ErrorCode(err) {
	case "EntityNotFound":
		return nil
	case "CannotDeleteEntityWhileInUse", "IllegalDelete":
		return &provision.TransientError{Kind: kindVpcOrigin, Name: c.R.Name, Op: "delete", Cause: err.Error()}
	}
	return provision.Classify(err, "delete", kindVpcOrigin, c.R.Name)
}

// findVpcOrigin returns the VPC origin named r.Name (nil when none) and whether berth
// owns it.
func findVpcOrigin(ctx context.Context, c *vpcOriginCall) (*vpcOriginLive, error) {
	r := c.R
	var marker *string
	for {
		out, err := c.API.ListVpcOrigins(ctx, &sdk.ListVpcOriginsInput{Marker: marker})
		if err != nil {
			return nil, provision.Classify(err, "list", kindVpcOrigin, r.Name)
		}
		list := out.VpcOriginList
		if list == nil {
			return nil, nil
		}
		for _, s := range list.Items {
			if aws.ToString(s.Name) != r.Name {
				continue
			}
			got, err := c.API.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: s.Id})
			if provision.ErrorCode(err) == "EntityNotFound" {
				return nil, nil // deleted since the listing
			}
			if err != nil {
				return nil, provision.Classify(err, "get", kindVpcOrigin, r.Name)
			}
			tags, err := c.API.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: s.Arn})
			if err != nil {
				return nil, provision.Classify(err, "read tags", kindVpcOrigin, r.Name)
			}
			return &vpcOriginLive{v: got.VpcOrigin, owned: provision.Owned(c.Env, r, tagMap(tags.Tags))}, nil
		}
		marker = list.NextMarker
		if !aws.ToBool(list.IsTruncated) || aws.ToString(marker) == "" {
			return nil, nil
		}
	}
}
