package events

import "github.com/berth-dev/berth/internal/provision"

// A rule is listed as the tagging API finds it.
var describeRule = provision.Describer{ARNTypes: []string{"events:rule"}}

// Connections and API destinations take no tags (CreateConnection and
// CreateApiDestination have no Tags parameter in the EventBridge API reference): berth
// marks its own in their description, which only a per-name Describe call reads.
var describeUntaggable = provision.Describer{Unlisted: "EventBridge connections and API destinations cannot be tagged: berth's are marked in their description and removed with the app's plan"}
