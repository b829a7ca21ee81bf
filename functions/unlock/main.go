// Command unlock is berth's "unlock" Lambda function (see statemachine/ and template.yaml).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/berth-dev/berth/internal/awsdeps"
)

func main() {
	handler, err := awsdeps.Handler(context.Background(), "Unlock")
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler)
}
