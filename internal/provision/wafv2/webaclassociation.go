// Package wafv2 attaches a REGIONAL web ACL (SCF's deployment.awsAlb.wafAclArn) to berth's
// Application Load Balancer.
package wafv2

import (
	"context"
	"encoding/json"
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

// Register adds this package's kind to reg.
func Register(reg provision.Registry, client API) {
	reg[plan.KindWebACLAssociation] = NewWebACLAssociation(client)
}

// WebACLAssociation provisions AWS::WAFv2::WebACLAssociation for the ALB. An association
// is not taggable and has no name: it is the ALB's single web ACL slot, and the ALB is
// berth's (its ref resolves only to the load balancer the ELBv2 provisioner verified by
// tags), so berth manages that slot whoever filled it. The web ACL itself is the user's
// and is never modified.
type WebACLAssociation struct{ client API }

// NewWebACLAssociation returns the association provisioner.
func NewWebACLAssociation(client API) *WebACLAssociation { return &WebACLAssociation{client: client} }

type want struct{ resource, webACL string }

func (p *WebACLAssociation) want(env provision.Env, r plan.Resource) (want, error) {
	var props plan.WebACLAssociationProps
	if err := json.Unmarshal(r.Props, &props); err != nil {
		return want{}, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "decode props", Cause: err.Error()}
	}
	res, err := env.Refs.Resolve(props.Resource)
	if err != nil {
		return want{}, err
	}
	return want{resource: res, webACL: props.WebACLArn}, nil
}

// current returns the ARN of the web ACL on the resource, "" when none (or when the
// resource itself is gone).
func (p *WebACLAssociation) current(ctx context.Context, r plan.Resource, resource string) (string, error) {
	out, err := p.client.GetWebACLForResource(ctx, &wafv2.GetWebACLForResourceInput{ResourceArn: aws.String(resource)})
	if provision.ErrorCode(err) == "WAFNonexistentItemException" {
		return "", nil
	}
	if err != nil {
		return "", classify(err, "describe", r)
	}
	if out.WebACL == nil {
		return "", nil
	}
	return aws.ToString(out.WebACL.ARN), nil
}

func outputs(w want) provision.Outputs {
	return provision.Outputs{"ResourceArn": w.resource, "WebACLArn": w.webACL}
}

// Observe reports which web ACL protects the ALB.
func (p *WebACLAssociation) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := p.want(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	acl, err := p.current(ctx, r, w.resource)
	if err != nil || acl == "" {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: outputs(w)}
	if acl != w.webACL {
		obs.Diff = []provision.FieldDiff{{Field: "webAclArn", Desired: w.webACL, Actual: acl}}
	}
	return obs, nil
}

// Create associates the web ACL unless it already protects the ALB. A different ACL is
// disassociated first (the ALB is unprotected for the moment between the two calls).
func (p *WebACLAssociation) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	w, err := p.want(env, r)
	if err != nil {
		return nil, err
	}
	acl, err := p.current(ctx, r, w.resource)
	if err != nil {
		return nil, err
	}
	if acl == w.webACL {
		return outputs(w), nil
	}
	if acl != "" {
		if err := p.disassociate(ctx, r, w.resource); err != nil {
			return nil, err
		}
	}
	err = retry(ctx, func() error {
		_, err := p.client.AssociateWebACL(ctx, &wafv2.AssociateWebACLInput{ResourceArn: aws.String(w.resource), WebACLArn: aws.String(w.webACL)})
		return err
	})
	if err != nil {
		return nil, classify(err, "associate", r)
	}
	return outputs(w), nil
}

// Update is Create.
func (p *WebACLAssociation) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// Delete empties the ALB's web ACL slot.
func (p *WebACLAssociation) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	w, err := p.want(env, r)
	if err != nil {
		return err
	}
	acl, err := p.current(ctx, r, w.resource)
	if err != nil || acl == "" {
		return err
	}
	return p.disassociate(ctx, r, w.resource)
}

func (p *WebACLAssociation) disassociate(ctx context.Context, r plan.Resource, resource string) error {
	err := retry(ctx, func() error {
		_, err := p.client.DisassociateWebACL(ctx, &wafv2.DisassociateWebACLInput{ResourceArn: aws.String(resource)})
		return err
	})
	if err != nil && provision.ErrorCode(err) != "WAFNonexistentItemException" {
		return classify(err, "disassociate", r)
	}
	return nil
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
