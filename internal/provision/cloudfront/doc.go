// Package cloudfront provisions berth's CloudFront resources: the one distribution per
// app/stage and its origin access control (distribution*.go, oac*.go), and the router
// function and its KeyValueStore (function*.go, kvs.go), and the route table written into
// that store through its data plane (route_table.go on the batched writer, kvs_*.go).
//
// CloudFront is a global service: its control plane answers in us-east-1 whatever region
// berth runs in, so one client serves every app.
package cloudfront
