// Command drift is berth's "drift" Lambda function: EventBridge Scheduler invokes it with
// {"source":"drift"} (see template.yaml and events/drift.json); it checks every deployed
// app/stage against its applied state and starts repair deployments.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/berth-dev/berth/internal/awsdeps"
)

func main() {
	checker, err := awsdeps.LoadDrift(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(checker.Run)
}
