package cloudfront

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// NewOAC returns the provisioner of plan.KindOAC: the origin access control CloudFront
// uses to sign requests to Lambda Function URLs (AuthType AWS_IAM).
//
// Ownership. Origin access controls cannot carry tags (CloudFront's TagResource takes
// distributions only, and AWS::CloudFront::OriginAccessControl has no Tags property), so
// berth marks the ones it owns in their Description: "berth:<app>/<stage>/<resource id>"
// (see OwnerMarker). An OAC named like berth's without that exact marker is somebody
// else's and is never modified or deleted. The name is unique per account, so name +
// marker identify the resource as surely as tags would.
func NewOAC(clients func(region string) OACAPI) provision.Provisioner {
	return provision.Adapt(provision.Kind[OACAPI, oacWant, types.OriginAccessControlSummary]{
		Clients: clients,
		Desired: func(_ context.Context, c *oacCall) (oacWant, error) { return oacProps(c.R) },
		Find: func(ctx context.Context, c *oacCall) (*types.OriginAccessControlSummary, error) {
			return findOAC(ctx, c.API, c.R)
		},
		Owned: func(c *oacCall, s *types.OriginAccessControlSummary) bool {
			return aws.ToString(s.Description) == OwnerMarker(c.Env, c.R)
		},
		Diff: func(_ context.Context, c *oacCall, s *types.OriginAccessControlSummary) (provision.Diffs, error) {
			return c.Props.diff(s), nil
		},
		Outputs: func(c *oacCall, s *types.OriginAccessControlSummary) provision.Outputs { return oacOutputs(s.Id, c.R) },
		Create:  createOAC,
		Converge: func(ctx context.Context, c *oacCall, s *types.OriginAccessControlSummary, _ provision.Diffs) (provision.Outputs, error) {
			return updateOAC(ctx, c, aws.ToString(s.Id))
		},
		Remove: removeOAC,
	})
}

type oacCall = provision.Call[OACAPI, oacWant]

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

// createOAC creates the OAC; one created concurrently (or by a create whose answer was
// lost) since the lookup is adopted when it is berth's.
func createOAC(ctx context.Context, c *oacCall) (provision.Outputs, error) {
	out, err := c.API.CreateOriginAccessControl(ctx, &sdk.CreateOriginAccessControlInput{OriginAccessControlConfig: c.Props.config(c.Env, c.R)})
	if provision.ErrorCode(err) != "OriginAccessControlAlreadyExists" {
		if err != nil {
			return nil, provision.Classify(err, "create", kindOAC, c.R.Name)
		}
		return oacOutputs(out.OriginAccessControl.Id, c.R), nil
	}
	s, err := findOAC(ctx, c.API, c.R)
	switch {
	case err != nil:
		return nil, err
	case s == nil:
		return nil, &provision.TransientError{Kind: kindOAC, Name: c.R.Name, Op: "create", Cause: "an origin access control with this name exists but is not listed yet"}
	case aws.ToString(s.Description) != OwnerMarker(c.Env, c.R):
		return nil, c.NotOwned()
	case len(c.Props.diff(s)) == 0:
		return oacOutputs(s.Id, c.R), nil
	}
	return updateOAC(ctx, c, aws.ToString(s.Id))
}

// updateOAC writes the desired config with the current ETag, re-reading it once when a
// concurrent change made it stale.
func updateOAC(ctx context.Context, c *oacCall, id string) (provision.Outputs, error) {
	err := withFreshETag(func() error {
		cur, err := c.API.GetOriginAccessControl(ctx, &sdk.GetOriginAccessControlInput{Id: aws.String(id)})
		if err != nil {
			return err
		}
		_, err = c.API.UpdateOriginAccessControl(ctx, &sdk.UpdateOriginAccessControlInput{
			Id: aws.String(id), IfMatch: cur.ETag, OriginAccessControlConfig: c.Props.config(c.Env, c.R),
		})
		return err
	})
	if err != nil {
		return nil, provision.Classify(err, "update", kindOAC, c.R.Name)
	}
	return oacOutputs(aws.String(id), c.R), nil
}

// removeOAC deletes the OAC with its current ETag. One a distribution still names is
// deleted once that distribution is: until then a *provision.TransientError.
func removeOAC(ctx context.Context, c *oacCall, s *types.OriginAccessControlSummary) error {
	err := withFreshETag(func() error {
		cur, err := c.API.GetOriginAccessControl(ctx, &sdk.GetOriginAccessControlInput{Id: s.Id})
		if err != nil {
			return err
		}
		_, err = c.API.DeleteOriginAccessControl(ctx, &sdk.DeleteOriginAccessControlInput{Id: s.Id, IfMatch: cur.ETag})
		return err
	})
	switch provision.ErrorCode(err) {
	case "NoSuchOriginAccessControl":
		return nil
	case "OriginAccessControlInUse":
		return &provision.TransientError{Kind: kindOAC, Name: c.R.Name, Op: "delete", Cause: err.Error()}
	}
	return provision.Classify(err, "delete", kindOAC, c.R.Name)
}

// findOAC lists the account's origin access controls for the one named r.Name. The list
// carries every field berth compares, so Observe needs no further call.
func findOAC(ctx context.Context, api OACAPI, r plan.Resource) (*types.OriginAccessControlSummary, error) {
	var marker *string
	for {
		out, err := api.ListOriginAccessControls(ctx, &sdk.ListOriginAccessControlsInput{Marker: marker})
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
