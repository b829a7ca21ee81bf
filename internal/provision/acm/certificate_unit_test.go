package acm

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// fakeACM models what moto 5.2.1 does not: ACM publishes a new certificate's validation
// records only after a moment (moto has them at once), refuses to delete a certificate in
// use (moto's InUseBy is only ever set for load balancers), and lets a test fail a
// certificate's validation.
type fakeACM struct {
	certs map[string]*fakeCert
	order []string
	calls map[string]int
	// recordsAfter is how many DescribeCertificate calls of a new certificate answer
	// without its validation records.
	recordsAfter int
	tokens       []string
}

type fakeCert struct {
	detail    types.CertificateDetail
	tags      map[string]string
	describes int
}

func newFakeACM() *fakeACM { return &fakeACM{certs: map[string]*fakeCert{}, calls: map[string]int{}} }

func (f *fakeACM) RequestCertificate(_ context.Context, in *sdk.RequestCertificateInput, _ ...func(*sdk.Options)) (*sdk.RequestCertificateOutput, error) {
	f.calls["RequestCertificate"]++
	f.tokens = append(f.tokens, aws.ToString(in.IdempotencyToken))
	arn := fmt.Sprintf("arn:aws:acm:us-east-1:123456789012:certificate/fake-%d", len(f.order)+1)
	d := types.CertificateDetail{
		CertificateArn: aws.String(arn), DomainName: in.DomainName, Status: types.CertificateStatusPendingValidation,
		SubjectAlternativeNames: append([]string{aws.ToString(in.DomainName)}, in.SubjectAlternativeNames...),
		CreatedAt:               aws.Time(time.Unix(int64(1000+len(f.order)), 0)),
	}
	for _, n := range d.SubjectAlternativeNames {
		d.DomainValidationOptions = append(d.DomainValidationOptions, types.DomainValidation{DomainName: aws.String(n)})
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	f.certs[arn] = &fakeCert{detail: d, tags: tags}
	f.order = append(f.order, arn)
	return &sdk.RequestCertificateOutput{CertificateArn: aws.String(arn)}, nil
}

func (f *fakeACM) DescribeCertificate(_ context.Context, in *sdk.DescribeCertificateInput, _ ...func(*sdk.Options)) (*sdk.DescribeCertificateOutput, error) {
	f.calls["DescribeCertificate"]++
	c, ok := f.certs[aws.ToString(in.CertificateArn)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such certificate"}
	}
	if c.describes++; c.describes > f.recordsAfter {
		for i := range c.detail.DomainValidationOptions {
			v := &c.detail.DomainValidationOptions[i]
			v.ResourceRecord = &types.ResourceRecord{Name: aws.String("_x." + aws.ToString(v.DomainName) + "."), Type: types.RecordTypeCname, Value: aws.String("_y.acm-validations.aws.")}
		}
	}
	d := c.detail
	return &sdk.DescribeCertificateOutput{Certificate: &d}, nil
}

func (f *fakeACM) ListCertificates(_ context.Context, _ *sdk.ListCertificatesInput, _ ...func(*sdk.Options)) (*sdk.ListCertificatesOutput, error) {
	f.calls["ListCertificates"]++
	out := &sdk.ListCertificatesOutput{}
	for _, arn := range f.order {
		if c, ok := f.certs[arn]; ok {
			out.CertificateSummaryList = append(out.CertificateSummaryList, types.CertificateSummary{CertificateArn: aws.String(arn), DomainName: c.detail.DomainName, Status: c.detail.Status})
		}
	}
	return out, nil
}

func (f *fakeACM) ListTagsForCertificate(_ context.Context, in *sdk.ListTagsForCertificateInput, _ ...func(*sdk.Options)) (*sdk.ListTagsForCertificateOutput, error) {
	f.calls["ListTagsForCertificate"]++
	out := &sdk.ListTagsForCertificateOutput{}
	for k, v := range f.certs[aws.ToString(in.CertificateArn)].tags {
		out.Tags = append(out.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

func (f *fakeACM) DeleteCertificate(_ context.Context, in *sdk.DeleteCertificateInput, _ ...func(*sdk.Options)) (*sdk.DeleteCertificateOutput, error) {
	f.calls["DeleteCertificate"]++
	c, ok := f.certs[aws.ToString(in.CertificateArn)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such certificate"}
	}
	if len(c.detail.InUseBy) > 0 {
		return nil, &smithy.GenericAPIError{Code: "ResourceInUseException", Message: "in use"}
	}
	delete(f.certs, aws.ToString(in.CertificateArn))
	return &sdk.DeleteCertificateOutput{}, nil
}

func fakeCertificate(f *fakeACM) *Certificate {
	c := New(f)
	c.wait = []time.Duration{0, 0, 0}
	return c
}

const unitName = "berth-shop-prod-cert-1a2b3c4d-5e6f70"

func TestCertificateCreateWaitsForValidationRecords(t *testing.T) {
	tests := []struct {
		name         string
		recordsAfter int
		wantErr      bool
	}{
		{"records ACM publishes within the wait are returned by create", 2, false},
		{"records still missing after the wait make create a TransientError", 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeACM()
			f.recordsAfter = tc.recordsAfter
			out, err := fakeCertificate(f).Create(context.Background(), certEnv("shop"), certResource(t, unitName, "shop.example.com"))
			var te *provision.TransientError
			if tc.wantErr {
				if !errors.As(err, &te) {
					t.Fatalf("got %v, want TransientError", err)
				}
				// The retry finds the certificate instead of requesting another.
				f.recordsAfter = 0
				if _, err := fakeCertificate(f).Create(context.Background(), certEnv("shop"), certResource(t, unitName, "shop.example.com")); err != nil {
					t.Fatal(err)
				}
				if f.calls["RequestCertificate"] != 1 {
					t.Fatalf("the retry requested another certificate")
				}
				return
			}
			if err != nil || out[plan.AttrValidationValue+"shop.example.com"] == "" {
				t.Fatalf("create: %v %v", out, err)
			}
		})
	}
}

func TestCertificateDeleteWaitsWhileInUse(t *testing.T) {
	ctx := context.Background()
	f := newFakeACM()
	c := fakeCertificate(f)
	r := certResource(t, unitName, "shop.example.com")
	if _, err := c.Create(ctx, certEnv("shop"), r); err != nil {
		t.Fatal(err)
	}
	// A superseded certificate of the same resource, and the new one still attached.
	f.certs[f.order[0]].detail.Status = types.CertificateStatusFailed
	if _, err := c.Update(ctx, certEnv("shop"), r); err != nil {
		t.Fatal(err)
	}
	if len(f.certs) != 2 || f.tokens[0] == f.tokens[1] {
		t.Fatalf("a failed certificate must be replaced by a new request with a new token; have %d, tokens %v", len(f.certs), f.tokens)
	}
	f.certs[f.order[1]].detail.InUseBy = []string{"arn:aws:cloudfront::123456789012:distribution/E1"}

	var te *provision.TransientError
	if err := c.Delete(ctx, certEnv("shop"), r); !errors.As(err, &te) {
		t.Fatalf("delete with a certificate in use: got %v, want TransientError", err)
	}
	if _, left := f.certs[f.order[0]]; left || len(f.certs) != 1 {
		t.Fatalf("delete must remove the unused certificate and keep the one in use")
	}
	f.certs[f.order[1]].detail.InUseBy = nil
	if err := c.Delete(ctx, certEnv("shop"), r); err != nil || len(f.certs) != 0 {
		t.Fatalf("delete once unused: %v, %d left", err, len(f.certs))
	}
}

func TestCertificateIdempotencyToken(t *testing.T) {
	r := certResource(t, unitName, "shop.example.com", "www.shop.example.com")
	w, _ := wantFor(r)
	again, _ := wantFor(certResource(t, unitName, "SHOP.example.com", "www.shop.example.com", "shop.example.com"))
	other, _ := wantFor(certResource(t, unitName, "shop.example.com"))
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"the same resource and domain set always send the same token", w.token(certEnv("shop"), r, nil), again.token(certEnv("shop"), r, nil), true},
		{"another domain set sends another token", w.token(certEnv("shop"), r, nil), other.token(certEnv("shop"), r, nil), false},
		{"another stage sends another token", w.token(certEnv("shop"), r, nil), w.token(provision.Env{App: "shop", Stage: "dev"}, r, nil), false},
		{"another deployment sends another token (a rolled-back one's certificate is deleted)", w.token(provision.Env{App: "shop", Stage: "prod", DeploymentID: "d1"}, r, nil), w.token(provision.Env{App: "shop", Stage: "prod", DeploymentID: "d2"}, r, nil), false},
		{"replacing a failed certificate sends another token", w.token(certEnv("shop"), r, nil), w.token(certEnv("shop"), r, []string{"arn:failed"}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.a == tc.b) != tc.same || len(tc.a) != 32 {
				t.Fatalf("tokens %q and %q", tc.a, tc.b)
			}
		})
	}
}

// A certificate ACM failed is reported with ACM's reason, so the gate that fails fast on
// it (workflow) says why.
func TestAFailedCertificateIsReportedWithACMsReason(t *testing.T) {
	ctx := context.Background()
	f := newFakeACM()
	c := fakeCertificate(f)
	r := certResource(t, unitName, "shop.example.com")
	if _, err := c.Create(ctx, certEnv("shop"), r); err != nil {
		t.Fatal(err)
	}
	f.certs[f.order[0]].detail.Status = types.CertificateStatusFailed
	f.certs[f.order[0]].detail.FailureReason = types.FailureReasonCaaError
	obs, err := c.Observe(ctx, certEnv("shop"), r)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Ready || len(obs.Diff) != 1 || obs.Diff[0].Field != "status" || obs.Diff[0].Actual != "FAILED (CAA_ERROR)" {
		t.Fatalf("observe %+v, want not ready with status FAILED (CAA_ERROR)", obs)
	}
}

// A retried create that finds its certificate still without validation records waits for
// them on that certificate: no second request, and no Status in its outputs (Observe's
// alone carry it).
func TestARetriedCreateAwaitsTheRecordsOfTheCertificateItFinds(t *testing.T) {
	ctx := context.Background()
	f := newFakeACM()
	f.recordsAfter = 10
	c, r := fakeCertificate(f), certResource(t, unitName, "shop.example.com")
	if _, err := c.Create(ctx, certEnv("shop"), r); err == nil {
		t.Fatal("create before ACM published the records succeeded")
	}
	f.recordsAfter = f.certs[f.order[0]].describes + 1 // the lookup's read still lacks them
	out, err := c.Create(ctx, certEnv("shop"), r)
	if err != nil || out[plan.AttrValidationValue+"shop.example.com"] == "" || out[StatusOutput] != "" || f.calls["RequestCertificate"] != 1 {
		t.Fatalf("retried create: %v %v after %d requests", out, err, f.calls["RequestCertificate"])
	}
	obs, err := c.Observe(ctx, certEnv("shop"), r)
	if err != nil || obs.Outputs[StatusOutput] != string(types.CertificateStatusPendingValidation) {
		t.Fatalf("observe: %+v %v, want Status %s", obs, err, types.CertificateStatusPendingValidation)
	}
}
