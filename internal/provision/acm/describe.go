package acm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/acm"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of a certificate: its domains and status.
type describeAPI interface {
	DescribeCertificate(ctx context.Context, in *sdk.DescribeCertificateInput, optFns ...func(*sdk.Options)) (*sdk.DescribeCertificateOutput, error)
}

var describeCertificate = provision.Describer{ARNTypes: []string{"acm:certificate"}, Items: describeCertificates}

// describeCertificates reads each tagged certificate (DescribeCertificate, in the region
// its ARN names: berth has one per set of custom domains) for its domains and status.
func describeCertificates(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	clients := provision.PerRegion(func(region string) describeAPI { return sdk.NewFromConfig(s.Config(region)) })
	items := make([]*provision.Item, len(found))
	err := provision.ForEach(ctx, len(found), provision.PerItemParallel, func(i int) error {
		t := found[i]
		arn := t.ARN.String()
		out, err := clients(t.ARN.Region).DescribeCertificate(ctx, &sdk.DescribeCertificateInput{CertificateArn: aws.String(arn)})
		if provision.ErrorCode(err) == "ResourceNotFoundException" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("DescribeCertificate %s: %w", arn, err)
		}
		it := provision.Item{Type: string(plan.KindCertificate), Name: t.Name(t.ARN.ID), Arn: arn}
		if c := out.Certificate; c != nil {
			domain := aws.ToString(c.DomainName)
			if t.Tags["Name"] == "" && domain != "" {
				it.Name = domain
			}
			sans := slices.Clone(c.SubjectAlternativeNames)
			slices.Sort(sans)
			it.Attributes = provision.Attrs(
				"domainName", domain,
				"subjectAlternativeNames", strings.Join(sans, ","),
				"status", string(c.Status),
				"type", string(c.Type),
				"region", t.ARN.Region,
			)
		}
		items[i] = &it
		return nil
	})
	if err != nil {
		return nil, err
	}
	return provision.Kept(items), nil
}
