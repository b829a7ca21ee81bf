package route53

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// CloudFrontZoneID is the hosted zone id every alias to a CloudFront distribution names.
const CloudFrontZoneID = "Z2FDTNDATAQYW2"

// validationTTL is the TTL of certificate validation records (ACM's own suggestion).
const validationTTL = 300

// AdoptedOutput is set to "true" in a validation record's outputs when the identical
// record already existed before berth's first Create (see RecordSet).
const AdoptedOutput = "Adopted"

// AliasOwner reports whether dnsName (a distribution domain such as
// d111111abcdef8.cloudfront.net.) belongs to a distribution berth owns in env's app and
// stage. cloudfront.Distribution.OwnsDomainName is one.
type AliasOwner func(ctx context.Context, env provision.Env, dnsName string) (bool, error)

// RecordSet provisions plan.KindRecordSet.
//
// Records cannot be tagged. berth's records are the names the plan computed, and a record
// is berth's only when its value is what berth would write: an alias to the distribution
// ("AliasTo" ref, CloudFront's zone CloudFrontZoneID) or to a private app's load balancer
// ("AliasZone" ref: its CanonicalHostedZoneId; the record then goes in the private zone
// the plan names, HostedZoneID, never one looked up), or the CNAME ACM asked for
// ("ValidationFor" ref, the certificate's AttrValidation* outputs for RecordName). A
// record with that name and type but another value is somebody else's: Create, Update
// and Delete return *provision.NotOwnedError and leave it. The one exception is an alias
// whose target is another distribution berth owns for this app/stage (a replaced
// distribution), recognised through the optional AliasOwner.
//
// ACM uses one validation CNAME per domain and account, so the user may already have
// berth's exact validation record for a certificate of their own. A Create that finds the
// validation value already in place writes nothing and reports AdoptedOutput = "true";
// Delete leaves a record whose own applied outputs (resolved through env.Refs) say so,
// because deleting it would break that other certificate's renewal. (A Create retried
// after its first answer was lost also reports it: the record then stays behind after
// removal, which is harmless.)
//
// Create writes with CREATE, not UPSERT, when the record is absent, so a record somebody
// writes between the read and the write is never overwritten; UPSERT is used only on a
// record already established as berth's.
type RecordSet struct {
	provision.Provisioner
	aliasOwner AliasOwner
}

// Option configures a RecordSet.
type Option func(*RecordSet)

// WithAliasOwner lets an alias record move from an old distribution of the same app and
// stage to the current one.
func WithAliasOwner(f AliasOwner) Option { return func(s *RecordSet) { s.aliasOwner = f } }

// New returns the provisioner for plan.KindRecordSet. Observe compares values only: a
// record with another value shows as a diff, and the writing verbs' Claim refuses it.
func New(client API, opts ...Option) *RecordSet {
	s := &RecordSet{}
	for _, o := range opts {
		o(s)
	}
	s.Provisioner = provision.Adapt(provision.Kind[API, record, types.ResourceRecordSet]{
		Clients: func(string) API { return client },
		Desired: desired,
		Find:    find,
		Claim:   s.claim,
		Diff: func(_ context.Context, c *recordCall, rr *types.ResourceRecordSet) (provision.Diffs, error) {
			var d provision.Diffs
			d.Add(c.Props.field(), describe(c.Props.rrset()), describe(rr))
			return d, nil
		},
		Outputs: func(c *recordCall, _ *types.ResourceRecordSet) provision.Outputs { return outputs(c.Props, false) },
		// A validation record berth may claim holds the value already, maybe the user's
		// own (see RecordSet).
		Unchanged: func(_ context.Context, c *recordCall, _ *types.ResourceRecordSet) (provision.Outputs, error) {
			return outputs(c.Props, c.Props.alias == ""), nil
		},
		Create: func(ctx context.Context, c *recordCall) (provision.Outputs, error) {
			if c.Props.noZone != nil {
				return nil, c.Props.noZone
			}
			return write(ctx, c, types.ChangeActionCreate)
		},
		Converge: func(ctx context.Context, c *recordCall, _ *types.ResourceRecordSet, _ provision.Diffs) (provision.Outputs, error) {
			return write(ctx, c, types.ChangeActionUpsert)
		},
		Remove: remove,
	})
	return s
}

type recordCall = provision.Call[API, record]

const kind = string(plan.KindRecordSet)

// record is the desired record with its refs resolved, and the zone it goes in.
type record struct {
	zoneDomain string
	zoneID     string // the zone named by the plan (a private app's), else looked up by zoneDomain
	aliasZone  string // the alias target's hosted zone: CloudFrontZoneID or a load balancer's
	name       string // fully qualified, lower case, trailing dot
	typ        types.RRType
	alias      string // alias target domain (fqdn) for A/AAAA
	value      string // CNAME value for validation records
	zone       string // hosted zone id, "" when no zone holds zoneDomain
	noZone     error  // the PreconditionError saying so, which Create returns
}

// desired is the record r asks for, in the zone the plan names (a private app's) or else
// the hosted zone found for its domain. No zone means no record (Observe and Delete find
// none); Create reports it.
func desired(ctx context.Context, c *recordCall) (record, error) {
	rec, err := recordFor(c.Env, c.R)
	if err != nil || rec.zoneID != "" {
		rec.zone = rec.zoneID
		return rec, err
	}
	rec.zone, err = FindZone(ctx, c.API, rec.zoneDomain)
	if noZone(err) {
		rec.noZone, err = err, nil
	}
	return rec, err
}

func recordFor(env provision.Env, r plan.Resource) (record, error) {
	p, err := provision.Decode[plan.RecordSetProps](r)
	if err != nil {
		return record{}, err
	}
	rec := record{zoneDomain: p.HostedZoneDomain, zoneID: p.HostedZoneID, aliasZone: CloudFrontZoneID, typ: types.RRType(strings.ToUpper(p.Type))}
	switch {
	case p.AliasTo != nil && (rec.typ == types.RRTypeA || rec.typ == types.RRTypeAaaa):
		target, err := resolve(env, *p.AliasTo)
		if err != nil {
			return record{}, err
		}
		rec.name, rec.alias = fqdn(p.RecordName), fqdn(target)
		if p.AliasZone != nil {
			if rec.aliasZone, err = resolve(env, *p.AliasZone); err != nil {
				return record{}, err
			}
		}
	case p.ValidationFor != nil && rec.typ == types.RRTypeCname:
		domain := strings.ToLower(strings.TrimSuffix(p.RecordName, "."))
		name, err := resolve(env, plan.Ref{ID: p.ValidationFor.ID, Attr: plan.AttrValidationName + domain})
		if err != nil {
			return record{}, err
		}
		value, err := resolve(env, plan.Ref{ID: p.ValidationFor.ID, Attr: plan.AttrValidationValue + domain})
		if err != nil {
			return record{}, err
		}
		rec.name, rec.value = fqdn(name), fqdn(value)
	default:
		return record{}, &provision.RejectedError{Kind: kind, Name: r.Name, Op: "validate",
			Cause: "a record is either an A/AAAA alias (aliasTo) or a CNAME validation record (validationFor); got type " + p.Type}
	}
	return rec, nil
}

func resolve(env provision.Env, ref plan.Ref) (string, error) {
	if env.Refs == nil {
		return "", &provision.PreconditionError{Kind: "ref", Name: ref.ID, Problem: "no applied outputs to resolve " + ref.Attr + " from"}
	}
	return env.Refs.Resolve(ref)
}

// rrset is the record as berth writes it.
func (rec record) rrset() *types.ResourceRecordSet {
	if rec.alias != "" {
		return &types.ResourceRecordSet{Name: aws.String(rec.name), Type: rec.typ, AliasTarget: &types.AliasTarget{
			DNSName: aws.String(rec.alias), HostedZoneId: aws.String(rec.aliasZone), EvaluateTargetHealth: false,
		}}
	}
	return &types.ResourceRecordSet{Name: aws.String(rec.name), Type: rec.typ, TTL: aws.Int64(validationTTL),
		ResourceRecords: []types.ResourceRecord{{Value: aws.String(rec.value)}}}
}

// field is the props field a record's value comes from, for diffs.
func (rec record) field() string {
	if rec.alias != "" {
		return "aliasTo"
	}
	return "validationFor"
}

// describe renders a record's value for diffs: equal strings mean nothing to change.
// TTLs are left out: alias records have none of their own (moto 5.2.1 reports 0), and a
// validation record only needs its value, so the TTL of a record the user made first is
// theirs to keep.
func describe(rr *types.ResourceRecordSet) string {
	var parts []string
	if a := rr.AliasTarget; a != nil {
		parts = append(parts, fmt.Sprintf("alias %s zone:%s evaluateTargetHealth:%t", fqdn(aws.ToString(a.DNSName)), aws.ToString(a.HostedZoneId), a.EvaluateTargetHealth))
	}
	for _, v := range rr.ResourceRecords {
		parts = append(parts, fqdn(aws.ToString(v.Value)))
	}
	if rr.SetIdentifier != nil {
		parts = append(parts, "set:"+aws.ToString(rr.SetIdentifier))
	}
	return strings.Join(parts, " ")
}

// targets reports whether the live record points where berth would point it (its
// ownership test); TTL and EvaluateTargetHealth may still differ.
func (rec record) targets(rr *types.ResourceRecordSet) bool {
	if rr.SetIdentifier != nil {
		return false
	}
	if rec.alias != "" {
		a := rr.AliasTarget
		return a != nil && len(rr.ResourceRecords) == 0 && fqdn(aws.ToString(a.DNSName)) == rec.alias && aws.ToString(a.HostedZoneId) == rec.aliasZone
	}
	return rr.AliasTarget == nil && len(rr.ResourceRecords) == 1 && fqdn(aws.ToString(rr.ResourceRecords[0].Value)) == rec.value
}

// remove deletes the live record exactly as Route 53 returned it (DELETE must match it),
// unless its applied outputs say it predates berth.
func remove(ctx context.Context, c *recordCall, rr *types.ResourceRecordSet) error {
	if c.Props.alias == "" && adopted(c.Env, c.R) {
		return nil
	}
	err := change(ctx, c, types.ChangeActionDelete, rr)
	var re *provision.RejectedError
	if errors.As(err, &re) && strings.Contains(re.Cause, "not found") {
		return nil // deleted since the read
	}
	return err
}

// noZone reports whether err says there is no hosted zone for the domain: then no
// record can exist either.
func noZone(err error) bool {
	var pe *provision.PreconditionError
	return errors.As(err, &pe) && pe.Kind == kindZone && strings.HasPrefix(pe.Problem, noZonePrefix)
}

// adopted reports whether the record's applied outputs say it predates berth.
func adopted(env provision.Env, r plan.Resource) bool {
	if env.Refs == nil {
		return false
	}
	v, err := env.Refs.Resolve(plan.Ref{ID: r.ID, Attr: AdoptedOutput})
	return err == nil && v == "true"
}

// claim returns *provision.NotOwnedError unless rr is berth's (see RecordSet).
func (s *RecordSet) claim(ctx context.Context, c *recordCall, rr *types.ResourceRecordSet) error {
	rec := c.Props
	if rec.targets(rr) {
		return nil
	}
	if a := rr.AliasTarget; rec.alias != "" && s.aliasOwner != nil && a != nil && rr.SetIdentifier == nil && aws.ToString(a.HostedZoneId) == CloudFrontZoneID {
		owned, err := s.aliasOwner(ctx, c.Env, fqdn(aws.ToString(a.DNSName)))
		if err != nil {
			return err
		}
		if owned {
			return nil
		}
	}
	return &provision.NotOwnedError{Kind: kind, Name: strings.TrimSuffix(rec.name, ".") + " " + string(rec.typ)}
}

// find reads the record with the desired name and type (nil when absent or zoneless).
func find(ctx context.Context, c *recordCall) (*types.ResourceRecordSet, error) {
	rec := c.Props
	if rec.zone == "" {
		return nil, nil
	}
	out, err := c.API.ListResourceRecordSets(ctx, &sdk.ListResourceRecordSetsInput{
		HostedZoneId: aws.String(rec.zone), StartRecordName: aws.String(rec.name), StartRecordType: rec.typ, MaxItems: aws.Int32(1),
	})
	if err != nil {
		return nil, provision.Classify(err, "read", kind, c.R.Name)
	}
	for i := range out.ResourceRecordSets {
		if rr := &out.ResourceRecordSets[i]; fqdn(aws.ToString(rr.Name)) == rec.name && rr.Type == rec.typ {
			return rr, nil
		}
	}
	return nil, nil
}

// write writes the desired record with action.
func write(ctx context.Context, c *recordCall, action types.ChangeAction) (provision.Outputs, error) {
	if err := change(ctx, c, action, c.Props.rrset()); err != nil {
		return nil, err
	}
	return outputs(c.Props, false), nil
}

func change(ctx context.Context, c *recordCall, action types.ChangeAction, rr *types.ResourceRecordSet) error {
	env, r := c.Env, c.R
	_, err := c.API.ChangeResourceRecordSets(ctx, &sdk.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(c.Props.zone),
		ChangeBatch: &types.ChangeBatch{
			Comment: aws.String("berth " + env.App + "/" + env.Stage + " " + r.ID),
			Changes: []types.Change{{Action: action, ResourceRecordSet: rr}},
		},
	})
	if err != nil && action == types.ChangeActionCreate && strings.Contains(err.Error(), "already exists") {
		// Written by somebody else since the read: the next attempt checks whose it is.
		return &provision.TransientError{Kind: kind, Name: r.Name, Op: "create", Cause: err.Error()}
	}
	return provision.Classify(err, strings.ToLower(string(action)), kind, r.Name)
}

func outputs(rec record, adopted bool) provision.Outputs {
	out := provision.Outputs{plan.AttrName: strings.TrimSuffix(rec.name, ".")}
	if adopted {
		out[AdoptedOutput] = "true"
	}
	return out
}
