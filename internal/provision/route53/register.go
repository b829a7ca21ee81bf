package route53

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// ClientFactory returns the Route 53 client for a region; it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return func(region string) API {
		return sdk.NewFromConfig(cfg, func(o *sdk.Options) { o.Region = region })
	}
}

// Register adds plan.KindRecordSet. Route 53 is global: any region's client works.
func Register(reg provision.Registry, clients ClientFactory, opts ...Option) {
	reg[plan.KindRecordSet] = provision.ByRegion(func(region string) provision.Provisioner { return New(clients(region), opts...) })
}
