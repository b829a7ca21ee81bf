package route53

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Register adds plan.KindRecordSet. Route 53 is global: any region's client works.
func Register(reg provision.Registry, client API, opts ...Option) {
	reg[plan.KindRecordSet] = New(client, opts...)
}
