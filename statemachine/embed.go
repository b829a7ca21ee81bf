// Package statemachine embeds the ASL definitions so the CLI's local runtime deploys the
// same files SAM does.
package statemachine

import "embed"

// Files holds deploy.asl.json and remove.asl.json.
//
//go:embed *.asl.json
var Files embed.FS
