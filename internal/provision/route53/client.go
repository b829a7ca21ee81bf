// Package route53 provisions the DNS records berth needs for custom domains
// (plan.KindRecordSet): A/AAAA aliases to the distribution and the CNAME records ACM
// validates certificates with, in the public hosted zone found for the domain.
package route53

import (
	"context"

	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
)

// ZoneAPI is what FindZone calls. *route53.Client satisfies it.
type ZoneAPI interface {
	ListHostedZonesByName(ctx context.Context, in *sdk.ListHostedZonesByNameInput, optFns ...func(*sdk.Options)) (*sdk.ListHostedZonesByNameOutput, error)
}

// API is the part of Route 53 the record provisioner calls. *route53.Client satisfies it.
type API interface {
	ZoneAPI
	ListResourceRecordSets(ctx context.Context, in *sdk.ListResourceRecordSetsInput, optFns ...func(*sdk.Options)) (*sdk.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(ctx context.Context, in *sdk.ChangeResourceRecordSetsInput, optFns ...func(*sdk.Options)) (*sdk.ChangeResourceRecordSetsOutput, error)
}
