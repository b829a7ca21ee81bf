package acm

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// ClientFactory returns the ACM client for a region; it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return func(region string) API {
		return acm.NewFromConfig(cfg, func(o *acm.Options) { o.Region = region })
	}
}

// Register adds plan.KindCertificate. CloudFront takes certificates from us-east-1
// (plan.EdgeRegion) only: the plan puts them there, whatever region berth runs in.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindCertificate] = provision.ByRegion(func(region string) provision.Provisioner { return New(clients(region)) })
}
