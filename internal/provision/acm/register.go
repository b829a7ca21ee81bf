package acm

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Register adds plan.KindCertificate. client must be built for us-east-1
// (plan.EdgeRegion), whatever region berth runs in.
func Register(reg provision.Registry, client API) {
	reg[plan.KindCertificate] = New(client)
}
