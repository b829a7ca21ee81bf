// Command compute is berth's "compute" Lambda function (see statemachine/ and template.yaml).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/berth-dev/berth/internal/awsdeps"
)

func main() {
	handler, err := awsdeps.Handler(context.Background(), "Compute")
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler)
}
