//go:build aws

package acceptance

import (
	"os"
	"testing"
)

// settings come from the environment (see README "Acceptance on a real account").
type settings struct {
	stack       string // BERTH_ACCEPTANCE_STACK, default berth-acceptance
	install     bool   // BERTH_ACCEPTANCE_INSTALL=1: sam deploy the stack first
	app, stage  string
	lambdaImage string // BERTH_ACCEPTANCE_LAMBDA_IMAGE: an ECR image echoing requests (Lambda Web Adapter)
	nextImage   string // BERTH_ACCEPTANCE_LAMBDA_IMAGE_V2: the same app, another tag
	webImage    string // BERTH_ACCEPTANCE_FARGATE_IMAGE: an image echoing requests on port 8080
	domain      string // BERTH_ACCEPTANCE_DOMAIN: optional custom domain in a hosted zone of the account
}

func load(t *testing.T) settings {
	t.Helper()
	s := settings{stack: env("BERTH_ACCEPTANCE_STACK", "berth-acceptance"), install: os.Getenv("BERTH_ACCEPTANCE_INSTALL") == "1",
		app: env("BERTH_ACCEPTANCE_APP", "accept"), stage: env("BERTH_ACCEPTANCE_STAGE", "test"),
		lambdaImage: os.Getenv("BERTH_ACCEPTANCE_LAMBDA_IMAGE"), nextImage: os.Getenv("BERTH_ACCEPTANCE_LAMBDA_IMAGE_V2"),
		webImage: os.Getenv("BERTH_ACCEPTANCE_FARGATE_IMAGE"), domain: os.Getenv("BERTH_ACCEPTANCE_DOMAIN")}
	for name, v := range map[string]string{"BERTH_ACCEPTANCE_LAMBDA_IMAGE": s.lambdaImage,
		"BERTH_ACCEPTANCE_LAMBDA_IMAGE_V2": s.nextImage, "BERTH_ACCEPTANCE_FARGATE_IMAGE": s.webImage} {
		if v == "" {
			t.Fatalf("%s is not set: the suite deploys your echo images (README \"Acceptance on a real account\")", name)
		}
	}
	return s
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
