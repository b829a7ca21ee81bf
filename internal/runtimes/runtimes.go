// Package runtimes is the one table of Lambda runtimes berth creates functions with, and
// the dates after which AWS stops accepting them. A runtime only enters berth through
// this table, so its end of life is checked in one place (see runtimes_test.go and the
// README's "Moving a runtime").
package runtimes

import (
	"fmt"
	"time"
)

// Runtime is one Lambda runtime identifier with AWS's deprecation schedule.
type Runtime struct {
	ID string
	// Deprecation: AWS stops patching it. BlockCreate: CreateFunction is refused
	// (InvalidParameterValueException "The runtime parameter of … is no longer
	// supported"). BlockUpdate: UpdateFunctionCode/Configuration are refused too.
	Deprecation, BlockCreate, BlockUpdate time.Time
	// Use says what berth creates with it.
	Use string
	// Source is the AWS page the dates were read from.
	Source string
}

// The runtimes berth creates functions with.
const (
	// BodySigner runs the Lambda@Edge body signer (internal/edge/bodysigner.js, CommonJS
	// with an async handler, which Node.js 24 still runs).
	BodySigner = "nodejs24.x"
	// Deployer runs berth's own Go functions (template.yaml, Runtime: provided.al2023).
	Deployer = "provided.al2023"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var table = []Runtime{
	{
		ID: BodySigner, Use: "Lambda@Edge body signer (us-east-1)",
		Deprecation: day("2028-04-30"), BlockCreate: day("2028-06-01"), BlockUpdate: day("2028-07-01"),
		Source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html (Node.js runtimes table)",
	},
	{
		ID: Deployer, Use: "berth's own functions (template.yaml)",
		Deprecation: day("2029-06-30"), BlockCreate: day("2029-07-31"), BlockUpdate: day("2029-08-31"),
		Source: "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-provided.html (OS-only runtimes table)",
	},
}

// All returns the table.
func All() []Runtime { return append([]Runtime(nil), table...) }

// Lookup returns the entry for id.
func Lookup(id string) (Runtime, bool) {
	for _, r := range table {
		if r.ID == id {
			return r, true
		}
	}
	return Runtime{}, false
}

// Creatable reports an error when Lambda would refuse to create a function with id at
// now: the runtime is not in the table, or its block-create date has passed.
func Creatable(id string, now time.Time) error {
	r, ok := Lookup(id)
	if !ok {
		return fmt.Errorf("runtime %q is not in berth's runtime table (internal/runtimes): add it with AWS's dates", id)
	}
	if !now.Before(r.BlockCreate) {
		return fmt.Errorf("runtime %s: Lambda blocks creating functions with it since %s (%s); move to a current runtime (README: Moving a runtime)", id, r.BlockCreate.Format(time.DateOnly), r.Source)
	}
	return nil
}
