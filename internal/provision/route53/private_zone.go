package route53

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/berth-dev/berth/internal/provision"
)

// HostedZoneAPI is what CheckPrivateZone reads. *route53.Client satisfies it.
type HostedZoneAPI interface {
	GetHostedZone(ctx context.Context, in *sdk.GetHostedZoneInput, optFns ...func(*sdk.Options)) (*sdk.GetHostedZoneOutput, error)
}

// DefaultVPC finds the region's default VPC, where a private app without
// deployment.awsVpc puts its load balancer (*ec2.Network satisfies it).
type DefaultVPC interface {
	DefaultNetwork(ctx context.Context) (vpcID string, subnetIDs []string, err error)
}

// privateZoneKey is the config key every problem of CheckPrivateZone names.
const privateZoneKey = "deployment.awsAlb.privateHostedZoneId"

// CheckPrivateZone checks, before anything is created, the hosted zone a private app's
// custom domains get their alias records in (zoneID, deployment.awsAlb.privateHostedZoneId)
// against the app's VPC (vpcID; "" is the default VPC of region, found through net):
//   - the zone exists: GetHostedZone answers NoSuchHostedZone otherwise
//     (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html);
//   - it is private (HostedZone.Config.PrivateZone): records in a public zone would
//     publish the internal load balancer's name to the internet;
//   - it is associated with the VPC, in region: a private zone holds records for the VPCs
//     associated with it, so the domains would not resolve inside any other
//     ("Creating a private hosted zone",
//     https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-creating.html;
//     the fix: https://docs.aws.amazon.com/Route53/latest/APIReference/API_AssociateVPCWithHostedZone.html).
//     GetHostedZone lists the zone's own VPC associations (id and region), not those made
//     through a Route 53 Profile, so only a direct association counts.
//   - every custom domain (domains: config key → domain) is the zone's name or below it:
//     berth writes their alias records in this zone, and Route 53 refuses a record whose
//     name is outside the zone's (InvalidChangeBatch,
//     https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html),
//     which would otherwise fail the deployment midway.
//
// Problems come back as sentences naming the config key and the fix; nil means none. Any
// other error (throttling, access denied, no default VPC) is returned for the caller to
// classify.
func CheckPrivateZone(ctx context.Context, api HostedZoneAPI, net DefaultVPC, region, zoneID, vpcID string, domains map[string]string) ([]string, error) {
	zoneID = strings.TrimPrefix(zoneID, "/hostedzone/")
	vpc := "VPC " + vpcID + " (deployment.awsVpc.id)"
	if vpcID == "" {
		var err error
		if vpcID, _, err = net.DefaultNetwork(ctx); err != nil {
			return nil, err
		}
		vpc = "the default VPC " + vpcID + " (deployment.awsVpc is not set)"
	}
	create := fmt.Sprintf("aws route53 create-hosted-zone --name <domain> --caller-reference <unique> --vpc VPCRegion=%s,VPCId=%s", region, vpcID)
	out, err := api.GetHostedZone(ctx, &sdk.GetHostedZoneInput{Id: aws.String(zoneID)})
	if provision.ErrorCode(err) == "NoSuchHostedZone" {
		return []string{fmt.Sprintf("%s: no Route 53 hosted zone %s exists in this account, and berth writes the app's domain records in it: create a private hosted zone associated with %s in %s (%s) and set its id here",
			privateZoneKey, zoneID, vpc, region, create)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get hosted zone %s: %w", zoneID, err)
	}
	name := zoneID
	if z := out.HostedZone; z != nil && z.Name != nil {
		name = zoneID + " (" + strings.TrimSuffix(aws.ToString(z.Name), ".") + ")"
	}
	if z := out.HostedZone; z == nil || z.Config == nil || !z.Config.PrivateZone {
		return []string{fmt.Sprintf("%s: hosted zone %s is public, and the app's records in it would publish its internal load balancer's name to the internet: name a private hosted zone associated with %s in %s instead (%s)",
			privateZoneKey, name, vpc, region, create)}, nil
	}
	problems := outsideZone(strings.TrimSuffix(aws.ToString(out.HostedZone.Name), "."), name, domains)
	var others []string
	for _, v := range out.VPCs {
		if aws.ToString(v.VPCId) == vpcID && string(v.VPCRegion) == region {
			return problems, nil
		}
		others = append(others, aws.ToString(v.VPCId)+" in "+string(v.VPCRegion))
	}
	with := "no VPC"
	if len(others) > 0 {
		with = strings.Join(others, ", ")
	}
	return append(problems, fmt.Sprintf("%s: private hosted zone %s is associated with %s but not with %s in %s, so the app's domains would not resolve inside the app's VPC: associate it (aws route53 associate-vpc-with-hosted-zone --hosted-zone-id %s --vpc VPCRegion=%s,VPCId=%s) or name a private zone that is",
		privateZoneKey, name, with, vpc, region, zoneID, region, vpcID)), nil
}

// outsideZone names each domain that is neither the zone's name nor below it, by its
// config key, in key order.
func outsideZone(zoneName, zone string, domains map[string]string) []string {
	zoneName = strings.ToLower(zoneName)
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(domains)) {
		d := strings.ToLower(strings.TrimSuffix(domains[key], "."))
		if d == zoneName || strings.HasSuffix(d, "."+zoneName) {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: %s is not in private hosted zone %s, where berth writes its record: use a domain ending in .%s, or name a private zone for it in %s",
			key, domains[key], zone, zoneName, privateZoneKey))
	}
	return problems
}
