package route53

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/berth-dev/berth/internal/provision"
)

const kindZone = "AWS::Route53::HostedZone"

// noZonePrefix starts the Problem of the PreconditionError for a domain without a zone.
const noZonePrefix = "no public Route 53 hosted zone"

// FindZone returns the id (without "/hostedzone/") of the public hosted zone that holds
// domain: the zone named domain itself, else its parent, and so on up to the registrable
// part (api.shop.example.com → shop.example.com → example.com), one ListHostedZonesByName
// call per level. No zone → *provision.PreconditionError saying to create one; two public
// zones with the same name → *provision.PreconditionError too (only one of them can be
// the delegated one, and berth will not guess). A validate step calls it before anything
// is created.
func FindZone(ctx context.Context, client ZoneAPI, domain string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	for d := name; strings.Contains(d, "."); d = d[strings.Index(d, ".")+1:] {
		ids, err := publicZones(ctx, client, d)
		if err != nil {
			return "", provision.Classify(err, "find hosted zone", kindZone, domain)
		}
		switch len(ids) {
		case 0:
			continue
		case 1:
			return ids[0], nil
		default:
			return "", &provision.PreconditionError{Kind: kindZone, Name: d,
				Problem: "several public hosted zones are named " + d + " (" + strings.Join(ids, ", ") + "): delete the ones the domain is not delegated to, so berth writes " + domain + " into the right one"}
		}
	}
	return "", &provision.PreconditionError{Kind: kindZone, Name: domain,
		Problem: noZonePrefix + " holds " + domain + " or any parent domain: create a public hosted zone for it (or for a parent such as " + apex(name) + ") and delegate the domain to the zone's name servers"}
}

// publicZones lists the ids of the public zones named exactly d. ListHostedZonesByName
// starts at d in its own order, so later zones are other names and are skipped.
func publicZones(ctx context.Context, client ZoneAPI, d string) ([]string, error) {
	out, err := client.ListHostedZonesByName(ctx, &sdk.ListHostedZonesByNameInput{DNSName: aws.String(d), MaxItems: aws.Int32(10)})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, z := range out.HostedZones {
		if strings.EqualFold(fqdn(aws.ToString(z.Name)), d+".") && (z.Config == nil || !z.Config.PrivateZone) {
			ids = append(ids, strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/"))
		}
	}
	return ids, nil
}

// apex is the last two labels of name.
func apex(name string) string {
	labels := strings.Split(name, ".")
	if len(labels) <= 2 {
		return name
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

// fqdn lower-cases a DNS name, ends it with a dot and undoes Route 53's escaping of "*".
func fqdn(name string) string {
	name = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), `\052`, "*"))
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}
