// Command commit is berth's "commit" Lambda function (see statemachine/ and template.yaml).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/berth-dev/berth/internal/awsdeps"
)

func main() {
	deps, err := awsdeps.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(deps.Commit)
}
