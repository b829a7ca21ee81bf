// Package wafv2 attaches a REGIONAL web ACL (SCF's deployment.awsAlb.wafAclArn) to berth's
// Application Load Balancer.
package wafv2

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the WAFv2 client this package calls; *wafv2.Client satisfies it.
type API interface {
	GetWebACLForResource(ctx context.Context, in *wafv2.GetWebACLForResourceInput, opts ...func(*wafv2.Options)) (*wafv2.GetWebACLForResourceOutput, error)
	AssociateWebACL(ctx context.Context, in *wafv2.AssociateWebACLInput, opts ...func(*wafv2.Options)) (*wafv2.AssociateWebACLOutput, error)
	DisassociateWebACL(ctx context.Context, in *wafv2.DisassociateWebACLInput, opts ...func(*wafv2.Options)) (*wafv2.DisassociateWebACLOutput, error)
}

// ClientFactory returns the WAFv2 client for a region; it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		return wafv2.NewFromConfig(cfg, func(o *wafv2.Options) { o.Region = region })
	})
}

// Register adds this package's kind to reg.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindWebACLAssociation] = NewWebACLAssociation(clients)
}

type want struct{ resource, webACL string }

type call = provision.Call[API, want]

// NewWebACLAssociation returns the provisioner of AWS::WAFv2::WebACLAssociation for the
// ALB. An association is not taggable and has no name: it is the ALB's single web ACL
// slot, and the ALB is berth's (its ref resolves only to the load balancer the ELBv2
// provisioner verified by tags), so berth manages that slot whoever filled it. The web
// ACL itself is the user's and is never modified. Live is the ARN of the web ACL on the
// ALB.
func NewWebACLAssociation(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, want, string]{
		Clients: clients,
		Desired: desired,
		Find:    current,
		Diff: func(_ context.Context, c *call, acl *string) (provision.Diffs, error) {
			var d provision.Diffs
			d.Add("webAclArn", c.Props.webACL, *acl)
			return d, nil
		},
		Outputs: func(c *call, _ *string) provision.Outputs { return outputs(c.Props) },
		Create:  associate,
		// A different ACL is disassociated first (the ALB is unprotected for the moment
		// between the two calls).
		Converge: func(ctx context.Context, c *call, _ *string, _ provision.Diffs) (provision.Outputs, error) {
			if err := disassociate(ctx, c); err != nil {
				return nil, err
			}
			return associate(ctx, c)
		},
		Remove:   func(ctx context.Context, c *call, _ *string) error { return disassociate(ctx, c) },
		Classify: classify,
	})
}

func desired(_ context.Context, c *call) (want, error) {
	props, err := provision.Decode[plan.WebACLAssociationProps](c.R)
	if err != nil {
		return want{}, err
	}
	res, err := c.Env.Refs.Resolve(props.Resource)
	if err != nil {
		return want{}, err
	}
	return want{resource: res, webACL: props.WebACLArn}, nil
}

// current finds the ARN of the web ACL on the resource; nil when none (or when the
// resource itself is gone).
func current(ctx context.Context, c *call) (*string, error) {
	out, err := c.API.GetWebACLForResource(ctx, &wafv2.GetWebACLForResourceInput{ResourceArn: aws.String(c.Props.resource)})
	if err != nil || out.WebACL == nil {
		return nil, err
	}
	return out.WebACL.ARN, nil
}

func outputs(w want) provision.Outputs {
	return provision.Outputs{"ResourceArn": w.resource, "WebACLArn": w.webACL}
}

func associate(ctx context.Context, c *call) (provision.Outputs, error) {
	err := retry(ctx, func() error {
		_, err := c.API.AssociateWebACL(ctx, &wafv2.AssociateWebACLInput{ResourceArn: aws.String(c.Props.resource), WebACLArn: aws.String(c.Props.webACL)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return outputs(c.Props), nil
}

func disassociate(ctx context.Context, c *call) error {
	err := retry(ctx, func() error {
		_, err := c.API.DisassociateWebACL(ctx, &wafv2.DisassociateWebACLInput{ResourceArn: aws.String(c.Props.resource)})
		return err
	})
	if provision.IsNotFound(err) {
		return nil
	}
	return err
}

// unavailable is WAF's answer while a just-created ALB or web ACL has not propagated to
// WAF yet; it clears within seconds to minutes.
func unavailable(err error) bool {
	return provision.ErrorCode(err) == "WAFUnavailableEntityException"
}

// retry is provision.Retry extended with WAF's propagation error.
func retry(ctx context.Context, fn func() error) error {
	err := fn()
	for _, d := range provision.Backoff {
		if err == nil || !(unavailable(err) || provision.IsTransient(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		err = fn()
	}
	return err
}

func classify(err error, op string, r plan.Resource) error {
	if unavailable(err) {
		return &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: op, Cause: err.Error()}
	}
	return provision.Classify(err, op, string(r.Kind), r.Name)
}
