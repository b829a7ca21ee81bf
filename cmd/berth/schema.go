package main

import (
	"io"

	"github.com/berth-dev/berth/internal/config"
)

func init() {
	register("schema", "print the JSON Schema of serverless.containers.yml", runSchema)
}

func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("schema", "", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if _, err := stdout.Write(config.Schema()); err != nil {
		return exitFail
	}
	return exitOK
}
