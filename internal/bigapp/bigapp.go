// Package bigapp writes the config of issue 14's large app: containers on Lambda and on
// Fargate, each with its own route. The local runtime's 150-container life
// (internal/localrun) deploys it, and aslgen's history model plans it.
package bigapp

import (
	"fmt"
	"strings"
)

// Name is the app's name.
const Name = "big"

// Size is how many containers run on each compute type.
type Size struct{ Lambdas, Fargates int }

// Issue14 is the size issue 14 names: 100 containers on Lambda, 50 on Fargate.
var Issue14 = Size{Lambdas: 100, Fargates: 50}

// Image is the release-tag image of a container on compute ("lambda" or "fargate").
func Image(compute, tag string) string {
	return "123456789012.dkr.ecr.eu-west-1.amazonaws.com/big-" + compute + ":" + tag
}

// LambdaName and FargateName name the i-th container of each compute type.
func LambdaName(i int) string  { return fmt.Sprintf("l%03d", i) }
func FargateName(i int) string { return fmt.Sprintf("f%03d", i) }

// Config is the app's config: image maps a container to its image (nil, or "" for a
// container: the release-1.0 image); env is one environment value every container gets.
func Config(size Size, image func(name string) string, env string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\ndeployment:\n  type: aws@1.0\ncontainers:\n", Name)
	add := func(name, compute string) {
		img := Image(compute, "1.0")
		if image != nil && image(name) != "" {
			img = image(name)
		}
		fmt.Fprintf(&b, "  %s:\n    image: %s\n    routing: { pathPattern: /%s/*, pathHealthCheck: /%s/health }\n", name, img, name, name)
		fmt.Fprintf(&b, "    environment: { RELEASE: %q }\n", env)
		switch compute {
		case "lambda":
			b.WriteString("    compute: { type: awsLambda, awsLambda: { memory: 256, timeout: 10 } }\n")
		default:
			b.WriteString("    compute:\n      type: awsFargateEcs\n      awsFargateEcs: { cpu: 256, memory: 512, scale: [ { type: min, min: 1 }, { type: max, max: 2 } ] }\n")
		}
	}
	for i := range size.Lambdas {
		add(LambdaName(i), "lambda")
	}
	for i := range size.Fargates {
		add(FargateName(i), "fargate")
	}
	return []byte(b.String())
}
