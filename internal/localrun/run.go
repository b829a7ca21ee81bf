package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/stage"
)

// Upload writes a config exactly as a user (or the API) would, naming its source manifest
// (UploadSources; "" for none), and returns its version id; first it pushes the images the
// config names to the emulator's ECR (seedImages).
func (e *Env) Upload(ctx context.Context, app, stg string, body []byte, sources string) (string, error) {
	if err := e.seedImages(ctx, body); err != nil {
		return "", err
	}
	var meta map[string]string
	if sources != "" {
		meta = map[string]string{stage.MetadataSources: sources}
	}
	out, err := s3.NewFromConfig(e.AWS, func(o *s3.Options) { o.UsePathStyle = true }).PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(ConfigBucket), Key: aws.String(stage.Key(app, stg)), Body: bytes.NewReader(body), Metadata: meta,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// UploadFiles puts the files the config's ${file()} variables read (from disk, beside
// file) next to its key, as berth deploy does on AWS.
func (e *Env) UploadFiles(ctx context.Context, file, app, stage string, body []byte) error {
	dir := config.DirFiles(filepath.Dir(file))
	for _, name := range config.FilesRead(ctx, body, config.Options{Stage: stage, File: file, Files: dir}) {
		data, err := dir.ReadFile(ctx, name)
		if err != nil {
			return err
		}
		if _, err := s3.NewFromConfig(e.AWS, func(o *s3.Options) { o.UsePathStyle = true }).PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(ConfigBucket), Key: aws.String(path.Join(app, stage, name)), Body: bytes.NewReader(data),
		}); err != nil {
			return err
		}
	}
	return nil
}

// s3Event is the part of EventBridge's "Object Created" event the trigger maps into the
// execution input (template.yaml's InputTransformer does the same on AWS).
type s3Event struct {
	Detail struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			VersionID string `json:"version-id"`
		} `json:"object"`
	} `json:"detail"`
}

// Trigger drains the config-event queue and starts one deploy execution per event, as the
// EventBridge rule's Step Functions target does on AWS. It returns the execution ARNs.
func (e *Env) Trigger(ctx context.Context) ([]string, error) {
	q := sqs.NewFromConfig(e.AWS)
	var started []string
	// The first receive waits a second for an event on its way; once one has come, the
	// rest of the queue is already there (S3 → EventBridge → SQS delivers before the
	// upload answers in the emulator) and an empty receive ends the drain at once.
	wait := int32(1)
	for {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
		if err != nil {
			return started, err
		}
		if len(out.Messages) == 0 {
			return started, nil
		}
		wait = 0
		for _, m := range out.Messages {
			var ev s3Event
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				return started, fmt.Errorf("trigger queue: unreadable event: %w", err)
			}
			input, _ := json.Marshal(map[string]string{"bucket": ev.Detail.Bucket.Name, "key": ev.Detail.Object.Key,
				"versionId": ev.Detail.Object.VersionID, "source": "s3"})
			arn, err := e.start(ctx, e.DeployMachine, string(input))
			if err != nil {
				return started, err
			}
			started = append(started, arn)
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return started, err
			}
		}
	}
}

// StartRemove starts the remove state machine for app/stage, as berth remove does.
func (e *Env) StartRemove(ctx context.Context, app, stg string) (string, error) {
	remover := stage.StepFunctionsRemover{Client: sfn.NewFromConfig(e.AWS), MachineArn: e.RemoveMachine}
	return stage.Remove(ctx, remover, app, stg, "cli", fmt.Sprintf("local-%d", time.Now().UnixNano()))
}

func (e *Env) start(ctx context.Context, machine, input string) (string, error) {
	// moto needs an explicit execution name.
	name := fmt.Sprintf("local-%d", time.Now().UnixNano())
	out, err := sfn.NewFromConfig(e.AWS).StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machine), Name: aws.String(name), Input: aws.String(input),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ExecutionArn), nil
}

// Execution is a finished (or running) execution's outcome.
type Execution struct {
	Arn, Name, Status, Error, Cause string
	Started, Stopped                time.Time
}

// Describe reads an execution.
func (e *Env) Describe(ctx context.Context, arn string) (Execution, error) {
	out, err := sfn.NewFromConfig(e.AWS).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return Execution{}, err
	}
	return Execution{Arn: arn, Name: aws.ToString(out.Name), Status: string(out.Status), Error: aws.ToString(out.Error),
		Cause: aws.ToString(out.Cause), Started: aws.ToTime(out.StartDate), Stopped: aws.ToTime(out.StopDate)}, nil
}

// WaitIdle waits until no execution of either state machine is running (follow-up
// executions started for pending configs included) and returns every execution, oldest
// first.
func (e *Env) WaitIdle(ctx context.Context, limit time.Duration) ([]Execution, error) {
	deadline := time.Now().Add(limit)
	for {
		all, running, err := e.executions(ctx)
		if err != nil {
			return nil, err
		}
		if running == 0 {
			return all, nil
		}
		if time.Now().After(deadline) {
			return all, fmt.Errorf("executions still running after %s", limit)
		}
		select {
		case <-ctx.Done():
			return all, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (e *Env) executions(ctx context.Context) ([]Execution, int, error) {
	c := sfn.NewFromConfig(e.AWS)
	var all []Execution
	running := 0
	for _, m := range []string{e.DeployMachine, e.RemoveMachine} {
		out, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(m)})
		if err != nil {
			return nil, 0, err
		}
		for _, x := range out.Executions {
			if x.Status == sfntypes.ExecutionStatusRunning {
				running++
			}
			all = append(all, Execution{Arn: aws.ToString(x.ExecutionArn), Name: aws.ToString(x.Name), Status: string(x.Status),
				Started: aws.ToTime(x.StartDate), Stopped: aws.ToTime(x.StopDate)})
		}
	}
	sortByStart(all)
	return all, running, nil
}
