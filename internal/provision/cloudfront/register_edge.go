package cloudfront

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// EdgeControlAPI is what the router function, KeyValueStore and route table provisioners need
// from the CloudFront control plane; *cloudfront.Client satisfies it.
type EdgeControlAPI interface {
	FunctionAPI
	KVSControlAPI
}

// RegisterEdge adds the router function, KeyValueStore and route table kinds. clients are
// the CloudFront clients, data the cloudfront-keyvaluestore client (SigV4A-signed; build it
// from a config whose credentials come from a regional STS endpoint, see AWS-NOTES).
func RegisterEdge(reg provision.Registry, clients ClientFactory, data KVSDataAPI) {
	reg[plan.KindCloudFrontFunction] = provision.ByRegion(func(region string) provision.Provisioner { return NewFunction(clients(region)) })
	reg[plan.KindKeyValueStore] = NewKeyValueStore(func(region string) KVSControlAPI { return clients(region) })
	reg[plan.KindRouteTable] = provision.ByRegion(func(region string) provision.Provisioner { return NewRouteTable(data, clients(region)) })
}
