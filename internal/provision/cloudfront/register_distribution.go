package cloudfront

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// RegisterDistribution adds the distribution, VPC origin and origin access control kinds. The
// router function and KeyValueStore kinds register separately (function*.go, kvs*.go).
func RegisterDistribution(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindDistribution] = provision.ByRegion(func(region string) provision.Provisioner { return NewDistribution(clients(region)) })
	reg[plan.KindOAC] = NewOAC(func(region string) OACAPI { return clients(region) })
	reg[plan.KindVpcOrigin] = provision.ByRegion(func(region string) provision.Provisioner { return NewVpcOrigin(clients(region)) })
}
