package acm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Certificate provisions plan.KindCertificate: a DNS-validated ACM certificate in
// us-east-1, the only region CloudFront takes certificates from, or (props LoadBalancer)
// in a private app's region, for its load balancer.
//
// Outputs: "Arn", and for every domain D of the certificate the validation
// record ACM asks for, as plan.AttrValidationName+D, plan.AttrValidationType+D and
// plan.AttrValidationValue+D (e.g. "ValidationName:shop.example.com"). The validation
// RecordSet resources read them through refs. Create returns only once ACM has published
// those records (a few seconds after the request; Create waits up to ~4 s and otherwise
// returns a TransientError, and the retry finds the same certificate). Observe's outputs
// add "Status" (PENDING_VALIDATION, ISSUED, ...); Create and Update leave it out because
// it changes by itself as ACM validates, so a copy kept in the applied state would go
// stale, and Create's outputs must not change between identical calls.
//
// Readiness. Ready means ISSUED, and ACM issues only after the validation records exist:
// the workflow applies the validation records right after Create and waits for Ready
// only before the distribution that uses the certificate, never before the records.
//
// Identity. A certificate carries the ownership tags plus Name = r.Name; it is found by
// listing the certificates for its primary domain and reading their tags. The physical
// name includes a hash of the domain set (plan/names.go), so a changed domain set is a
// new resource: the plan creates the new certificate, moves the distribution to it, then
// deletes the old resource. Certificates are immutable, so when Update does see a
// different domain set under the same name it requests a new certificate (new "Arn") and
// leaves the superseded one to Delete.
//
// Delete removes every certificate of this resource (tags and Name) that no AWS resource
// uses; while one is still in use (a distribution not yet moved off it) it returns a
// TransientError so the state machine retries. There is no name collision with other
// people's certificates: any number of certificates may cover the same domain, so
// berth never adopts or refuses a certificate it did not tag.
type Certificate struct {
	provision.Provisioner
	// wait is the pause before each further DescribeCertificate while ACM computes the
	// validation records of a new certificate.
	wait []time.Duration
}

// New returns the provisioner for plan.KindCertificate; client must be built for the
// resource's region (us-east-1, plan.EdgeRegion, for CloudFront's).
func New(client API) *Certificate {
	p := &Certificate{wait: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}}
	p.Provisioner = provision.Adapt(provision.Kind[API, want, certs]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *certCall) (want, error) { return wantFor(c.R) },
		Find:    find,
		// find keeps only this resource's certificates: there is none berth would refuse.
		Diff: func(_ context.Context, c *certCall, l *certs) (provision.Diffs, error) {
			return c.Props.diff(l.cur.detail), nil
		},
		Ready:   func(l *certs) bool { return l.cur.detail.Status == types.CertificateStatusIssued },
		Outputs: func(_ *certCall, l *certs) provision.Outputs { return withStatus(outputs(l.cur.detail), l.cur.detail) },
		Unchanged: func(ctx context.Context, c *certCall, l *certs) (provision.Outputs, error) {
			if hasRecords(l.cur.detail) {
				return outputs(l.cur.detail), nil
			}
			return p.awaitRecords(ctx, c, l.cur.arn)
		},
		Create: func(ctx context.Context, c *certCall) (provision.Outputs, error) { return p.request(ctx, c, nil) },
		// Certificates are immutable: another domain set, or one that can no longer be
		// issued, gets a new request (see Certificate).
		Converge: func(ctx context.Context, c *certCall, l *certs, _ provision.Diffs) (provision.Outputs, error) {
			return p.request(ctx, c, failedARNs(l.all))
		},
		Remove: remove,
	})
	return p
}

type certCall = provision.Call[API, want]

const kind = string(plan.KindCertificate)

// nameTag carries r.Name: one logical id has one certificate per domain set over time.
const nameTag = "Name"

// allStatuses makes ListCertificates return certificates in every state.
var allStatuses = []types.CertificateStatus{
	types.CertificateStatusPendingValidation, types.CertificateStatusIssued, types.CertificateStatusInactive,
	types.CertificateStatusExpired, types.CertificateStatusValidationTimedOut, types.CertificateStatusRevoked,
	types.CertificateStatusFailed,
}

// unusable states never become ISSUED: a certificate in one is replaced by a new request.
var unusable = map[types.CertificateStatus]bool{
	types.CertificateStatusInactive: true, types.CertificateStatusExpired: true, types.CertificateStatusValidationTimedOut: true,
	types.CertificateStatusRevoked: true, types.CertificateStatusFailed: true,
}

// want is the desired domain set: the primary domain and the others, sorted.
type want struct {
	domain string
	sans   []string
}

func wantFor(r plan.Resource) (want, error) {
	p, err := provision.Decode[plan.CertificateProps](r)
	if err != nil {
		return want{}, err
	}
	if r.Region != plan.EdgeRegion && !p.LoadBalancer {
		return want{}, &provision.RejectedError{Kind: kind, Name: r.Name, Op: "validate",
			Cause: "CloudFront uses ACM certificates from " + plan.EdgeRegion + " only; this one is planned in " + r.Region}
	}
	domain := strings.ToLower(p.DomainName)
	return want{domain: domain, sans: others(domain, p.SubjectAlternativeNames)}, nil
}

// others returns names without domain, lower-cased, sorted and unique.
func others(domain string, names []string) []string {
	seen := map[string]bool{domain: true}
	var out []string
	for _, n := range names {
		if n = strings.ToLower(n); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (w want) diff(d *types.CertificateDetail) []provision.FieldDiff {
	var diff []provision.FieldDiff
	if got := strings.ToLower(aws.ToString(d.DomainName)); got != w.domain {
		diff = append(diff, provision.FieldDiff{Field: "domainName", Desired: w.domain, Actual: got})
	}
	got := strings.Join(others(strings.ToLower(aws.ToString(d.DomainName)), d.SubjectAlternativeNames), ",")
	if wanted := strings.Join(w.sans, ","); got != wanted {
		diff = append(diff, provision.FieldDiff{Field: "subjectAlternativeNames", Desired: wanted, Actual: got})
	}
	if unusable[d.Status] {
		actual := string(d.Status)
		if d.FailureReason != "" {
			actual += " (" + string(d.FailureReason) + ")" // e.g. CAA_ERROR, DOMAIN_NOT_ALLOWED
		}
		diff = append(diff, provision.FieldDiff{Field: "status", Desired: string(types.CertificateStatusIssued), Actual: actual})
	}
	return diff
}

// token makes a repeated request for the same resource and domain set within one
// deployment (a retry after a lost answer) return the same certificate: ACM honours it for
// one hour. The deployment is part of it because a rollback deletes what its deployment
// requested, and the next deployment within that hour must get a new certificate, not
// the deleted one's ARN. failed are the resource's certificates that can no longer be
// issued: naming them gives a replacement request a new token, else ACM would answer with
// the failed certificate again. ACM allows \w, at most 32 characters.
func (w want) token(env provision.Env, r plan.Resource, failed []string) string {
	parts := append([]string{env.App, env.Stage, env.DeploymentID, r.ID, w.domain}, w.sans...)
	parts = append(parts, failed...)
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:32]
}

// cert is one of the resource's certificates.
type cert struct {
	arn    string
	detail *types.CertificateDetail
}

// certs are the resource's certificates, newest first, and the one Observe and Create
// look at (see current).
type certs struct {
	all []cert
	cur *cert
}

// request asks ACM for the desired certificate and returns once its validation records
// are known; failed names the resource's certificates that can no longer be issued.
func (p *Certificate) request(ctx context.Context, c *certCall, failed []string) (provision.Outputs, error) {
	out, err := c.API.RequestCertificate(ctx, &sdk.RequestCertificateInput{
		DomainName:              aws.String(c.Props.domain),
		SubjectAlternativeNames: c.Props.sans,
		ValidationMethod:        types.ValidationMethodDns,
		IdempotencyToken:        aws.String(c.Props.token(c.Env, c.R, failed)),
		Tags:                    tags(c.Env, c.R),
	})
	if err != nil {
		return nil, provision.Classify(err, "create", kind, c.R.Name)
	}
	return p.awaitRecords(ctx, c, aws.ToString(out.CertificateArn))
}

// remove deletes every certificate of the resource that no AWS resource uses; while one is
// still in use it returns a TransientError (see Certificate).
func remove(ctx context.Context, c *certCall, l *certs) error {
	var inUse []string
	for _, x := range l.all {
		if len(x.detail.InUseBy) > 0 {
			inUse = append(inUse, x.detail.InUseBy...)
			continue
		}
		_, err := c.API.DeleteCertificate(ctx, &sdk.DeleteCertificateInput{CertificateArn: aws.String(x.arn)})
		switch provision.ErrorCode(err) {
		case "", "ResourceNotFoundException":
		case "ResourceInUseException":
			inUse = append(inUse, x.arn)
		default:
			return provision.Classify(err, "delete", kind, c.R.Name)
		}
	}
	if len(inUse) > 0 {
		return &provision.TransientError{Kind: kind, Name: c.R.Name, Op: "delete",
			Cause: "certificate still in use by " + strings.Join(inUse, ", ") + "; waiting until the distribution no longer uses it"}
	}
	return nil
}

// awaitRecords reads a certificate until ACM has published its validation records, for
// a few seconds at most.
func (p *Certificate) awaitRecords(ctx context.Context, c *certCall, arn string) (provision.Outputs, error) {
	r := c.R
	for i := 0; ; i++ {
		out, err := c.API.DescribeCertificate(ctx, &sdk.DescribeCertificateInput{CertificateArn: aws.String(arn)})
		// A certificate requested a moment ago may not be readable yet.
		if err != nil && provision.ErrorCode(err) != "ResourceNotFoundException" {
			return nil, provision.Classify(err, "read", kind, r.Name)
		}
		if err == nil && hasRecords(out.Certificate) {
			return outputs(out.Certificate), nil
		}
		if i == len(p.wait) {
			return nil, &provision.TransientError{Kind: kind, Name: r.Name, Op: "create",
				Cause: "ACM has not published the DNS validation records of " + arn + " yet; a retry finds the certificate and reads them"}
		}
		select {
		case <-ctx.Done():
			return nil, provision.Classify(ctx.Err(), "create", kind, r.Name)
		case <-time.After(p.wait[i]):
		}
	}
}

// hasRecords reports whether every domain's validation record is known.
func hasRecords(d *types.CertificateDetail) bool {
	if len(d.DomainValidationOptions) == 0 {
		return false
	}
	for _, v := range d.DomainValidationOptions {
		if v.ResourceRecord == nil || aws.ToString(v.ResourceRecord.Name) == "" || aws.ToString(v.ResourceRecord.Value) == "" {
			return false
		}
	}
	return true
}

func outputs(d *types.CertificateDetail) provision.Outputs {
	out := provision.Outputs{plan.AttrArn: aws.ToString(d.CertificateArn)}
	for _, v := range d.DomainValidationOptions {
		if rr := v.ResourceRecord; rr != nil {
			domain := strings.ToLower(aws.ToString(v.DomainName))
			out[plan.AttrValidationName+domain] = aws.ToString(rr.Name)
			out[plan.AttrValidationType+domain] = string(rr.Type)
			out[plan.AttrValidationValue+domain] = aws.ToString(rr.Value)
		}
	}
	return out
}

// failedARNs lists the certificates that can never be issued, sorted.
func failedARNs(all []cert) []string {
	var out []string
	for _, c := range all {
		if unusable[c.detail.Status] {
			out = append(out, c.arn)
		}
	}
	sort.Strings(out)
	return out
}

// StatusOutput is the Observe output holding the certificate's ACM status.
const StatusOutput = "Status"

func withStatus(out provision.Outputs, d *types.CertificateDetail) provision.Outputs {
	out[StatusOutput] = string(d.Status)
	return out
}

// current is the certificate Observe and Create look at: the newest usable one with the
// desired domain set, else the newest.
func current(all []cert, w want) *cert {
	for i := range all {
		if len(w.diff(all[i].detail)) == 0 {
			return &all[i]
		}
	}
	return &all[0]
}

// find returns this resource's certificates (ownership tags and Name) for the primary
// domain, newest first; nil when there are none.
func find(ctx context.Context, c *certCall) (*certs, error) {
	r, domain := c.R, c.Props.domain
	var found []cert
	var next *string
	for {
		page, err := c.API.ListCertificates(ctx, &sdk.ListCertificatesInput{CertificateStatuses: allStatuses, NextToken: next})
		if err != nil {
			return nil, provision.Classify(err, "list", kind, r.Name)
		}
		for _, s := range page.CertificateSummaryList {
			if !strings.EqualFold(aws.ToString(s.DomainName), domain) {
				continue
			}
			x, err := read(ctx, c, aws.ToString(s.CertificateArn))
			if err != nil {
				return nil, err
			}
			if x != nil {
				found = append(found, *x)
			}
		}
		if next = page.NextToken; aws.ToString(next) == "" {
			break
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	sort.SliceStable(found, func(i, j int) bool {
		return aws.ToTime(found[i].detail.CreatedAt).After(aws.ToTime(found[j].detail.CreatedAt))
	})
	return &certs{all: found, cur: current(found, c.Props)}, nil
}

// read returns the certificate when it is this resource's, else nil.
func read(ctx context.Context, c *certCall, arn string) (*cert, error) {
	r := c.R
	t, err := c.API.ListTagsForCertificate(ctx, &sdk.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
	if provision.ErrorCode(err) == "ResourceNotFoundException" {
		return nil, nil
	}
	if err != nil {
		return nil, provision.Classify(err, "read tags", kind, r.Name)
	}
	m := map[string]string{}
	for _, x := range t.Tags {
		m[aws.ToString(x.Key)] = aws.ToString(x.Value)
	}
	if !provision.Owned(c.Env, r, m) || m[nameTag] != r.Name {
		return nil, nil
	}
	d, err := c.API.DescribeCertificate(ctx, &sdk.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if provision.ErrorCode(err) == "ResourceNotFoundException" {
		return nil, nil
	}
	if err != nil {
		return nil, provision.Classify(err, "read", kind, r.Name)
	}
	return &cert{arn: arn, detail: d.Certificate}, nil
}

func tags(env provision.Env, r plan.Resource) []types.Tag {
	m := provision.Tags(env, r)
	m[nameTag] = r.Name
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []types.Tag
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}
