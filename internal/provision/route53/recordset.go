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
	api        API
	aliasOwner AliasOwner
}

// Option configures a RecordSet.
type Option func(*RecordSet)

// WithAliasOwner lets an alias record move from an old distribution of the same app and
// stage to the current one.
func WithAliasOwner(f AliasOwner) Option { return func(s *RecordSet) { s.aliasOwner = f } }

// New returns the provisioner for plan.KindRecordSet.
func New(client API, opts ...Option) *RecordSet {
	s := &RecordSet{api: client}
	for _, o := range opts {
		o(s)
	}
	return s
}

const kind = string(plan.KindRecordSet)

// record is the desired record with its refs resolved.
type record struct {
	zoneDomain string
	zoneID     string // the zone named by the plan (a private app's), else looked up by zoneDomain
	aliasZone  string // the alias target's hosted zone: CloudFrontZoneID or a load balancer's
	name       string // fully qualified, lower case, trailing dot
	typ        types.RRType
	alias      string // alias target domain (fqdn) for A/AAAA
	value      string // CNAME value for validation records
}

func desired(env provision.Env, r plan.Resource) (record, error) {
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

// Observe implements provision.Provisioner. No hosted zone means no record.
func (s *RecordSet) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	rec, err := desired(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	_, rr, err := s.live(ctx, rec, r)
	if noZone(err) || err == nil && rr == nil {
		return provision.Observation{}, nil
	}
	if err != nil {
		return provision.Observation{}, err
	}
	var diff []provision.FieldDiff
	if want, got := describe(rec.rrset()), describe(rr); want != got {
		diff = append(diff, provision.FieldDiff{Field: rec.field(), Desired: want, Actual: got})
	}
	return provision.Observation{Exists: true, Ready: true, Diff: diff, Outputs: outputs(rec, false)}, nil
}

// Create implements provision.Provisioner. The hosted zone is looked up first: without
// one nothing is written and the PreconditionError names the domain.
func (s *RecordSet) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	rec, err := desired(env, r)
	if err != nil {
		return nil, err
	}
	zone, rr, err := s.live(ctx, rec, r)
	if err != nil {
		return nil, err
	}
	if rr == nil {
		if err := s.change(ctx, env, r, zone, types.ChangeActionCreate, rec.rrset()); err != nil {
			return nil, err
		}
		return outputs(rec, false), nil
	}
	if err := s.checkOwned(ctx, env, r, rec, rr); err != nil {
		return nil, err
	}
	if rec.alias == "" {
		// The validation value is already there, maybe the user's own (see RecordSet).
		return outputs(rec, true), nil
	}
	if describe(rec.rrset()) != describe(rr) {
		if err := s.change(ctx, env, r, zone, types.ChangeActionUpsert, rec.rrset()); err != nil {
			return nil, err
		}
	}
	return outputs(rec, false), nil
}

// Update implements provision.Provisioner; it is Create (which converges an existing
// record berth owns).
func (s *RecordSet) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return s.Create(ctx, env, r)
}

// Delete implements provision.Provisioner. It deletes the live record exactly as Route 53
// returned it (DELETE must match it), and only when it is berth's.
func (s *RecordSet) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	rec, err := desired(env, r)
	if err != nil {
		return err
	}
	zone, rr, err := s.live(ctx, rec, r)
	if noZone(err) || err == nil && rr == nil {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.checkOwned(ctx, env, r, rec, rr); err != nil {
		return err
	}
	if rec.alias == "" && adopted(env, r) {
		return nil
	}
	err = s.change(ctx, env, r, zone, types.ChangeActionDelete, rr)
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

// checkOwned returns *provision.NotOwnedError unless rr is berth's (see RecordSet).
func (s *RecordSet) checkOwned(ctx context.Context, env provision.Env, r plan.Resource, rec record, rr *types.ResourceRecordSet) error {
	if rec.targets(rr) {
		return nil
	}
	if a := rr.AliasTarget; rec.alias != "" && s.aliasOwner != nil && a != nil && rr.SetIdentifier == nil && aws.ToString(a.HostedZoneId) == CloudFrontZoneID {
		owned, err := s.aliasOwner(ctx, env, fqdn(aws.ToString(a.DNSName)))
		if err != nil {
			return err
		}
		if owned {
			return nil
		}
	}
	return &provision.NotOwnedError{Kind: kind, Name: strings.TrimSuffix(rec.name, ".") + " " + string(rec.typ)}
}

// live finds the zone and the record with rec's name and type (nil when absent).
func (s *RecordSet) live(ctx context.Context, rec record, r plan.Resource) (string, *types.ResourceRecordSet, error) {
	zone := rec.zoneID
	if zone == "" {
		var err error
		if zone, err = FindZone(ctx, s.api, rec.zoneDomain); err != nil {
			return "", nil, err
		}
	}
	out, err := s.api.ListResourceRecordSets(ctx, &sdk.ListResourceRecordSetsInput{
		HostedZoneId: aws.String(zone), StartRecordName: aws.String(rec.name), StartRecordType: rec.typ, MaxItems: aws.Int32(1),
	})
	if err != nil {
		return "", nil, provision.Classify(err, "read", kind, r.Name)
	}
	for i := range out.ResourceRecordSets {
		if rr := &out.ResourceRecordSets[i]; fqdn(aws.ToString(rr.Name)) == rec.name && rr.Type == rec.typ {
			return zone, rr, nil
		}
	}
	return zone, nil, nil
}

func (s *RecordSet) change(ctx context.Context, env provision.Env, r plan.Resource, zone string, action types.ChangeAction, rr *types.ResourceRecordSet) error {
	_, err := s.api.ChangeResourceRecordSets(ctx, &sdk.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zone),
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
