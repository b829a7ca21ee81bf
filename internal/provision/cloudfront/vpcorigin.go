package cloudfront

import (
	"context"
	"encoding/json"
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

// VpcOrigin provisions plan.KindVpcOrigin: CloudFront's private path to the internal
// ALB. It is found by name (ListVpcOrigins) and owned by its tags. A new or changed VPC
// origin is Deploying for minutes; Observe reports it ready only once its status is
// Deployed (CloudFront API reference, VpcOrigin.Status; the developer guide's "Restrict
// access with VPC origins": "wait for the VPC origin status to be Deployed" before a
// distribution uses it), so the state machine polls instead of a handler sleeping.
type VpcOrigin struct{ api VpcOriginAPI }

// NewVpcOrigin returns the provisioner for plan.KindVpcOrigin.
func NewVpcOrigin(api VpcOriginAPI) *VpcOrigin { return &VpcOrigin{api: api} }

const kindVpcOrigin = string(plan.KindVpcOrigin)

// statusDeployed is the VPC origin status once CloudFront has finished deploying it.
const statusDeployed = "Deployed"

type vpcOriginWant struct {
	arn                 string
	httpPort, httpsPort int32
	protocol            string
}

func vpcOriginProps(env provision.Env, r plan.Resource) (vpcOriginWant, error) {
	var p plan.VpcOriginProps
	if err := json.Unmarshal(r.Props, &p); err != nil {
		return vpcOriginWant{}, &provision.RejectedError{Kind: kindVpcOrigin, Name: r.Name, Op: "decode", Cause: err.Error()}
	}
	arn, err := resolveRef(env, p.LoadBalancer)
	if err != nil {
		return vpcOriginWant{}, err
	}
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

// Observe implements provision.Provisioner.
func (p *VpcOrigin) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	want, err := vpcOriginProps(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	v, owned, err := p.find(ctx, env, r)
	if err != nil || v == nil {
		return provision.Observation{}, err
	}
	if !owned {
		return provision.Observation{Exists: true, Diff: []provision.FieldDiff{provision.NotOwnedDiff(env, r)}}, nil
	}
	return provision.Observation{Exists: true, Ready: aws.ToString(v.Status) == statusDeployed,
		Diff: want.diff(v.VpcOriginEndpointConfig), Outputs: vpcOriginOutputs(v)}, nil
}

// Create implements provision.Provisioner. It returns once CloudFront accepted the VPC
// origin; Observe reports when it is Deployed.
func (p *VpcOrigin) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	want, err := vpcOriginProps(env, r)
	if err != nil {
		return nil, err
	}
	v, owned, err := p.find(ctx, env, r)
	if err != nil {
		return nil, err
	}
	if v != nil {
		if !owned {
			return nil, &provision.NotOwnedError{Kind: kindVpcOrigin, Name: r.Name}
		}
		return p.update(ctx, r, want, v)
	}
	out, err := p.api.CreateVpcOrigin(ctx, &sdk.CreateVpcOriginInput{VpcOriginEndpointConfig: want.config(r), Tags: distributionTags(env, r)})
	if err != nil {
		return nil, provision.Classify(err, "create", kindVpcOrigin, r.Name)
	}
	return vpcOriginOutputs(out.VpcOrigin), nil
}

// Update implements provision.Provisioner. A missing VPC origin is created.
func (p *VpcOrigin) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// update writes the desired endpoint configuration when it differs, with the current
// ETag (re-read once when a concurrent change made it stale).
func (p *VpcOrigin) update(ctx context.Context, r plan.Resource, want vpcOriginWant, v *types.VpcOrigin) (provision.Outputs, error) {
	if len(want.diff(v.VpcOriginEndpointConfig)) == 0 {
		return vpcOriginOutputs(v), nil
	}
	err := withFreshETag(func() error {
		cur, err := p.api.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: v.Id})
		if err != nil {
			return err
		}
		_, err = p.api.UpdateVpcOrigin(ctx, &sdk.UpdateVpcOriginInput{Id: v.Id, IfMatch: cur.ETag, VpcOriginEndpointConfig: want.config(r)})
		return err
	})
	if err != nil {
		return nil, provision.Classify(err, "update", kindVpcOrigin, r.Name)
	}
	return vpcOriginOutputs(v), nil
}

// Delete implements provision.Provisioner. While a distribution still uses the VPC
// origin, or it is still Deploying, CloudFront refuses: that is "not yet"
// (*provision.TransientError) and the state machine tries again.
func (p *VpcOrigin) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	v, owned, err := p.find(ctx, env, r)
	if err != nil || v == nil {
		return err
	}
	if !owned {
		return &provision.NotOwnedError{Kind: kindVpcOrigin, Name: r.Name}
	}
	if aws.ToString(v.Status) == "Deleting" {
		return nil // Observe reports it gone once CloudFront is done
	}
	err = withFreshETag(func() error {
		cur, err := p.api.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: v.Id})
		if err != nil {
			return err
		}
		_, err = p.api.DeleteVpcOrigin(ctx, &sdk.DeleteVpcOriginInput{Id: v.Id, IfMatch: cur.ETag})
		return err
	})
	switch provision.ErrorCode(err) {
	case "EntityNotFound":
		return nil
	case "CannotDeleteEntityWhileInUse", "IllegalDelete":
		return &provision.TransientError{Kind: kindVpcOrigin, Name: r.Name, Op: "delete", Cause: err.Error()}
	}
	return provision.Classify(err, "delete", kindVpcOrigin, r.Name)
}

// find returns the VPC origin named r.Name (nil when none) and whether berth owns it.
func (p *VpcOrigin) find(ctx context.Context, env provision.Env, r plan.Resource) (*types.VpcOrigin, bool, error) {
	var marker *string
	for {
		out, err := p.api.ListVpcOrigins(ctx, &sdk.ListVpcOriginsInput{Marker: marker})
		if err != nil {
			return nil, false, provision.Classify(err, "list", kindVpcOrigin, r.Name)
		}
		list := out.VpcOriginList
		if list == nil {
			return nil, false, nil
		}
		for _, s := range list.Items {
			if aws.ToString(s.Name) != r.Name {
				continue
			}
			got, err := p.api.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: s.Id})
			if provision.ErrorCode(err) == "EntityNotFound" {
				return nil, false, nil // deleted since the listing
			}
			if err != nil {
				return nil, false, provision.Classify(err, "get", kindVpcOrigin, r.Name)
			}
			tags, err := p.api.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: s.Arn})
			if err != nil {
				return nil, false, provision.Classify(err, "read tags", kindVpcOrigin, r.Name)
			}
			return got.VpcOrigin, provision.Owned(env, r, tagMap(tags.Tags)), nil
		}
		marker = list.NextMarker
		if !aws.ToBool(list.IsTruncated) || aws.ToString(marker) == "" {
			return nil, false, nil
		}
	}
}
