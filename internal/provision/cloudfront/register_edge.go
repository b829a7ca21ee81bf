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

// RegisterEdge adds the router function, KeyValueStore and route table kinds. control is the
// CloudFront client, data the cloudfront-keyvaluestore client (SigV4A-signed; build it
// from a config whose credentials come from a regional STS endpoint, see AWS-NOTES).
func RegisterEdge(reg provision.Registry, control EdgeControlAPI, data KVSDataAPI) {
	reg[plan.KindCloudFrontFunction] = NewFunction(control)
	reg[plan.KindKeyValueStore] = NewKeyValueStore(control)
	reg[plan.KindRouteTable] = NewRouteTable(data, control)
}
