package cloudfront

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// OAC provisions plan.KindOAC: the origin access control CloudFront uses to sign requests
// to Lambda Function URLs (AuthType AWS_IAM).
//
// Ownership. Origin access controls cannot carry tags (CloudFront's TagResource takes
// distributions only, and AWS::CloudFront::OriginAccessControl has no Tags property), so
// berth marks the ones it owns in their Description: "berth:<app>/<stage>/<resource id>"
// (see OwnerMarker). An OAC named like berth's without that exact marker is somebody
// else's and is never modified or deleted. The name is unique per account, so name +
// marker identify the resource as surely as tags would.
type OAC struct{ api OACAPI }

// NewOAC returns the provisioner for plan.KindOAC.
func NewOAC(api OACAPI) *OAC { return &OAC{api: api} }

const kindOAC = string(plan.KindOAC)

// OwnerMarker is the Description berth writes on resources that cannot be tagged.
func OwnerMarker(env provision.Env, r plan.Resource) string {
	return provision.MarkerPrefix(env.App, env.Stage) + r.ID
}

// oacWant is the desired configuration with the defaults applied.
type oacWant struct {
	originType, protocol, behavior string
}

func oacProps(r plan.Resource) (oacWant, error) {
	var p plan.OACProps
	if len(r.Props) > 0 {
		var err error
		if p, err = provision.Decode[plan.OACProps](r); err != nil {
			return oacWant{}, err
		}
	}
	return oacWant{
		originType: orDefault(p.OriginType, "lambda"),
		protocol:   orDefault(p.SigningProtocol, "sigv4"),
		behavior:   orDefault(p.SigningBehavior, "always"),
	}, nil
}

func (w oacWant) config(env provision.Env, r plan.Resource) *types.OriginAccessControlConfig {
	return &types.OriginAccessControlConfig{
		Name:                          aws.String(r.Name),
		Description:                   aws.String(OwnerMarker(env, r)),
		OriginAccessControlOriginType: types.OriginAccessControlOriginTypes(w.originType),
		SigningProtocol:               types.OriginAccessControlSigningProtocols(w.protocol),
		SigningBehavior:               types.OriginAccessControlSigningBehaviors(w.behavior),
	}
}

func (w oacWant) diff(s *types.OriginAccessControlSummary) []provision.FieldDiff {
	var d []provision.FieldDiff
	d = addDiff(d, "originType", w.originType, string(s.OriginAccessControlOriginType))
	d = addDiff(d, "signingProtocol", w.protocol, string(s.SigningProtocol))
	d = addDiff(d, "signingBehavior", w.behavior, string(s.SigningBehavior))
	return d
}

// Observe implements provision.Provisioner.
func (o *OAC) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	want, err := oacProps(r)
	if err != nil {
		return provision.Observation{}, err
	}
	s, err := o.find(ctx, r)
	if err != nil || s == nil {
		return provision.Observation{}, err
	}
	if aws.ToString(s.Description) != OwnerMarker(env, r) {
		return notOwnedObservation(env, r, "description "+quote(aws.ToString(s.Description))), nil
	}
	return provision.Observation{Exists: true, Ready: true, Diff: want.diff(s), Outputs: oacOutputs(s.Id, r)}, nil
}

// Create implements provision.Provisioner.
func (o *OAC) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	want, err := oacProps(r)
	if err != nil {
		return nil, err
	}
	s, err := o.owned(ctx, env, r)
	if err != nil {
		return nil, err
	}
	if s != nil {
		if len(want.diff(s)) == 0 {
			return oacOutputs(s.Id, r), nil
		}
		return o.update(ctx, env, r, want, aws.ToString(s.Id))
	}
	out, err := o.api.CreateOriginAccessControl(ctx, &sdk.CreateOriginAccessControlInput{OriginAccessControlConfig: want.config(env, r)})
	if provision.ErrorCode(err) == "OriginAccessControlAlreadyExists" {
		// Created concurrently (or by a create whose answer was lost) since the lookup.
		return o.adopt(ctx, env, r, want)
	}
	if err != nil {
		return nil, provision.Classify(err, "create", kindOAC, r.Name)
	}
	return oacOutputs(out.OriginAccessControl.Id, r), nil
}

// adopt finishes a create that lost the race to an identical name.
func (o *OAC) adopt(ctx context.Context, env provision.Env, r plan.Resource, want oacWant) (provision.Outputs, error) {
	s, err := o.owned(ctx, env, r)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, &provision.TransientError{Kind: kindOAC, Name: r.Name, Op: "create", Cause: "an origin access control with this name exists but is not listed yet"}
	}
	if len(want.diff(s)) == 0 {
		return oacOutputs(s.Id, r), nil
	}
	return o.update(ctx, env, r, want, aws.ToString(s.Id))
}

// Update implements provision.Provisioner. A missing OAC is created.
func (o *OAC) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	want, err := oacProps(r)
	if err != nil {
		return nil, err
	}
	s, err := o.owned(ctx, env, r)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return o.Create(ctx, env, r)
	}
	if len(want.diff(s)) == 0 {
		return oacOutputs(s.Id, r), nil
	}
	return o.update(ctx, env, r, want, aws.ToString(s.Id))
}

// update writes the desired config with the current ETag, re-reading it once when a
// concurrent change made it stale.
func (o *OAC) update(ctx context.Context, env provision.Env, r plan.Resource, want oacWant, id string) (provision.Outputs, error) {
	err := withFreshETag(func() error {
		cur, err := o.api.GetOriginAccessControl(ctx, &sdk.GetOriginAccessControlInput{Id: aws.String(id)})
		if err != nil {
			return err
		}
		_, err = o.api.UpdateOriginAccessControl(ctx, &sdk.UpdateOriginAccessControlInput{
			Id: aws.String(id), IfMatch: cur.ETag, OriginAccessControlConfig: want.config(env, r),
		})
		return err
	})
	if err != nil {
		return nil, provision.Classify(err, "update", kindOAC, r.Name)
	}
	return oacOutputs(aws.String(id), r), nil
}

// Delete implements provision.Provisioner.
func (o *OAC) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	s, err := o.owned(ctx, env, r)
	if err != nil || s == nil {
		return err
	}
	err = withFreshETag(func() error {
		cur, err := o.api.GetOriginAccessControl(ctx, &sdk.GetOriginAccessControlInput{Id: s.Id})
		if err != nil {
			return err
		}
		_, err = o.api.DeleteOriginAccessControl(ctx, &sdk.DeleteOriginAccessControlInput{Id: s.Id, IfMatch: cur.ETag})
		return err
	})
	switch provision.ErrorCode(err) {
	case "NoSuchOriginAccessControl":
		return nil
	case "OriginAccessControlInUse":
		// A distribution still names it; it is deleted once that distribution is.
		return &provision.TransientError{Kind: kindOAC, Name: r.Name, Op: "delete", Cause: err.Error()}
	}
	return provision.Classify(err, "delete", kindOAC, r.Name)
}

// owned finds the OAC named r.Name and checks berth owns it: nil when there is none,
// *provision.NotOwnedError when it is somebody else's.
func (o *OAC) owned(ctx context.Context, env provision.Env, r plan.Resource) (*types.OriginAccessControlSummary, error) {
	s, err := o.find(ctx, r)
	if err != nil || s == nil {
		return nil, err
	}
	if aws.ToString(s.Description) != OwnerMarker(env, r) {
		return nil, &provision.NotOwnedError{Kind: kindOAC, Name: r.Name}
	}
	return s, nil
}

// find lists the account's origin access controls for the one named r.Name. The list
// carries every field berth compares, so Observe needs no further call.
func (o *OAC) find(ctx context.Context, r plan.Resource) (*types.OriginAccessControlSummary, error) {
	var marker *string
	for {
		out, err := o.api.ListOriginAccessControls(ctx, &sdk.ListOriginAccessControlsInput{Marker: marker})
		if err != nil {
			return nil, provision.Classify(err, "list", kindOAC, r.Name)
		}
		if out.OriginAccessControlList == nil {
			return nil, nil
		}
		for i := range out.OriginAccessControlList.Items {
			if s := &out.OriginAccessControlList.Items[i]; aws.ToString(s.Name) == r.Name {
				return s, nil
			}
		}
		marker = out.OriginAccessControlList.NextMarker
		if !aws.ToBool(out.OriginAccessControlList.IsTruncated) || aws.ToString(marker) == "" {
			return nil, nil
		}
	}
}

func oacOutputs(id *string, r plan.Resource) provision.Outputs {
	return provision.Outputs{plan.AttrID: aws.ToString(id), plan.AttrName: r.Name}
}
