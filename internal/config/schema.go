package config

import (
	"bytes"
	_ "embed"
)

// schemaJSON is the JSON Schema (draft-07, for the widest editor support, e.g.
// yaml-language-server) of the whole format including berth's extensions. A test checks
// that its keys match the loader's and that every SCF example validates against it.
//
//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema of serverless.containers.yml. Editors can use it via a
// "# yaml-language-server: $schema=<url>" comment or their settings.
func Schema() []byte { return bytes.Clone(schemaJSON) }
