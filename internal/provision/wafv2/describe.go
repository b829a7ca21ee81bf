package wafv2

import "github.com/berth-dev/berth/internal/provision"

var describeAssociation = provision.Describer{Unlisted: "a web ACL association is a slot of berth's load balancer, with no identity of its own"}
