// Command api is berth's "api" Lambda function: the IAM-authenticated HTTP API behind
// template.yaml's BerthApi (payload format 2.0). See internal/api and docs/openapi.yaml.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/berth-dev/berth/internal/awsdeps"
)

func main() {
	handler, err := awsdeps.LoadAPI(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(httpadapter.NewV2(handler).ProxyWithContext)
}
