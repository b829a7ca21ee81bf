// Package berth holds the files of the repository root that code needs at run time.
package berth

import _ "embed"

// Template is template.yaml, the SAM template that installs berth: the local runtime and
// the IAM checks read its policies.
//
//go:embed template.yaml
var Template []byte
