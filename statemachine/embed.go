// Package statemachine embeds the ASL definitions so the CLI's local runtime deploys the
// same files SAM does. The files are generated from internal/aslgen: edit the Go
// description, then run `go generate ./statemachine`.
package statemachine

import "embed"

//go:generate go run ./gen

// Files holds deploy.asl.json and remove.asl.json.
//
//go:embed *.asl.json
var Files embed.FS
