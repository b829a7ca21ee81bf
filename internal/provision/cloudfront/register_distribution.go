package cloudfront

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// RegisterDistribution adds the distribution, VPC origin and origin access control kinds. The
// router function and KeyValueStore kinds register separately (function*.go, kvs*.go).
func RegisterDistribution(reg provision.Registry, client DistributionClient) {
	reg[plan.KindDistribution] = NewDistribution(client)
	reg[plan.KindOAC] = NewOAC(client)
	reg[plan.KindVpcOrigin] = NewVpcOrigin(client)
}
