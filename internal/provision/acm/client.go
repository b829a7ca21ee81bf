// Package acm provisions the ACM certificate berth requests for custom domains
// (plan.KindCertificate). CloudFront only uses certificates from us-east-1, so this
// package always works there, whatever region berth runs in.
package acm

import (
	"context"

	sdk "github.com/aws/aws-sdk-go-v2/service/acm"
)

// API is the part of ACM the certificate provisioner calls. *acm.Client satisfies it.
type API interface {
	RequestCertificate(ctx context.Context, in *sdk.RequestCertificateInput, optFns ...func(*sdk.Options)) (*sdk.RequestCertificateOutput, error)
	DescribeCertificate(ctx context.Context, in *sdk.DescribeCertificateInput, optFns ...func(*sdk.Options)) (*sdk.DescribeCertificateOutput, error)
	ListCertificates(ctx context.Context, in *sdk.ListCertificatesInput, optFns ...func(*sdk.Options)) (*sdk.ListCertificatesOutput, error)
	ListTagsForCertificate(ctx context.Context, in *sdk.ListTagsForCertificateInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForCertificateOutput, error)
	DeleteCertificate(ctx context.Context, in *sdk.DeleteCertificateInput, optFns ...func(*sdk.Options)) (*sdk.DeleteCertificateOutput, error)
}
