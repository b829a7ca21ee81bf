package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/secrets"
	"github.com/berth-dev/berth/statemachine"
)

// Names of berth's own resources in the emulator (on AWS, template.yaml creates them).
const (
	ConfigBucket    = "berth-config"
	ArtifactsBucket = "berth-artifacts"
	StateTable      = "berth-state"
	// FingerprintKeySecret names the fingerprint key's secret (template.yaml's FingerprintKey).
	FingerprintKeySecret = "berth-fingerprint-key"
	TriggerQueue         = "berth-config-events"
	TriggerRule          = "berth-config-uploaded"
	FunctionPrefix       = "berth-"
)

// Functions are the Lambda functions the deploy/remove state machines invoke (aslgen's
// Machine.Invokes), by template name, as in the ASL substitutions (${<Name>FunctionArn}).
var Functions = []string{"Validate", "Lock", "Plan", "Compute", "Alb", "Cdn", "Verify", "Commit", "Compensate"}

// FunctionName is the deployed name of a function, e.g. "berth-validate".
func FunctionName(name string) string { return FunctionPrefix + strings.ToLower(name) }

// Env is a running local runtime.
type Env struct {
	Region   string
	Endpoint string // the router's endpoint: every AWS call of berth goes through it
	AWS      aws.Config
	Router   *Router
	Moto     *motoserver.Server

	DeployMachine, RemoveMachine string // ARNs
	// FingerprintKey is the installation's fingerprint key, created in the emulator as
	// template.yaml's FingerprintKey is at install.
	FingerprintKey []byte
	queueURL       string
	server         *http.Server
}

// Options configure Start.
type Options struct {
	Region string
	Edge   EdgeFake
	Log    io.Writer // moto's output; nil discards
}

// Start launches moto, the router, and berth's own resources. Handlers are attached
// afterwards with Env.Router.SetFunctions (they need Env.AWS to be built).
func Start(ctx context.Context, opts Options) (*Env, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	var log *os.File
	if f, ok := opts.Log.(*os.File); ok {
		log = f
	}
	moto, err := motoserver.Start(motoserver.Options{
		// MOTO_PORT: where moto sends Lambda invokes (our router). The managed policies
		// berth attaches (AWSLambdaBasicExecutionRole, ...) exist in every real account;
		// moto loads them only when asked. ACM validates in 1 s instead of 60.
		Env:                  []string{fmt.Sprintf("MOTO_PORT=%d", port), "MOTO_IAM_LOAD_MANAGED_POLICIES=true", "MOTO_ACM_VALIDATION_WAIT=1", "MOTO_ECS_SERVICE_RUNNING=1"},
		Log:                  log,
		ConcurrentExecutions: true,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	router, err := NewRouter(nil, moto.Endpoint, opts.Edge)
	if err != nil {
		moto.Stop()
		ln.Close()
		return nil, err
	}
	e := &Env{Region: opts.Region, Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Router: router, Moto: moto,
		server: &http.Server{Handler: router}}
	go func() { _ = e.server.Serve(ln) }()
	if e.AWS, err = motoserver.Config(ctx, e.Endpoint, opts.Region); err != nil {
		e.Stop()
		return nil, err
	}
	if err := e.bootstrap(ctx); err != nil {
		e.Stop()
		return nil, fmt.Errorf("create berth's resources in the emulator: %w", err)
	}
	return e, nil
}

// Stop shuts everything down.
func (e *Env) Stop() {
	if e.server != nil {
		_ = e.server.Close()
	}
	e.Moto.Stop()
}

func (e *Env) bootstrap(ctx context.Context) error {
	resp, err := http.Post(e.Moto.Endpoint+"/moto-api/config", "application/json",
		strings.NewReader(`{"stepfunctions":{"execute_state_machine":true}}`))
	if err != nil {
		return err
	}
	resp.Body.Close()
	for _, step := range []func(context.Context) error{e.createBuckets, e.createTable, e.createTrigger, e.createMachines, e.createFingerprintKey} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (e *Env) createFingerprintKey(ctx context.Context) error {
	c := secretsmanager.NewFromConfig(e.AWS)
	arn, err := secrets.CreateFingerprintKey(ctx, c, FingerprintKeySecret)
	if err != nil {
		return err
	}
	e.FingerprintKey, err = secrets.FingerprintKey(ctx, c, arn)
	return err
}

func (e *Env) createBuckets(ctx context.Context) error {
	c := s3.NewFromConfig(e.AWS, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{ConfigBucket, ArtifactsBucket} {
		in := &s3.CreateBucketInput{Bucket: aws.String(b)}
		if e.Region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(e.Region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			return err
		}
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			return err
		}
	}
	_, err := c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket:                    aws.String(ConfigBucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{EventBridgeConfiguration: &s3types.EventBridgeConfiguration{}},
	})
	return err
}

func (e *Env) createTable(ctx context.Context) error {
	_, err := dynamodb.NewFromConfig(e.AWS).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(StateTable),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	return err
}

// TriggerPattern is the EventBridge pattern of template.yaml's trigger rule: a config
// file written to the config bucket.
func TriggerPattern(bucket string) string {
	p := map[string]any{
		"source": []string{"aws.s3"}, "detail-type": []string{"Object Created"},
		"detail": map[string]any{
			"bucket": map[string]any{"name": []string{bucket}},
			"object": map[string]any{"key": []map[string]string{{"suffix": "/serverless.containers.yml"}, {"suffix": "/serverless.containers.yaml"}}},
		},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// createTrigger: on AWS the rule targets the deploy state machine; moto does not start
// executions from EventBridge, so locally the rule targets a queue the runtime drains.
func (e *Env) createTrigger(ctx context.Context) error {
	q := sqs.NewFromConfig(e.AWS)
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(TriggerQueue)})
	if err != nil {
		return err
	}
	e.queueURL = *out.QueueUrl
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", e.Region, motoserver.Account, TriggerQueue)
	ev := eventbridge.NewFromConfig(e.AWS)
	if _, err := ev.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(TriggerRule), EventPattern: aws.String(TriggerPattern(ConfigBucket))}); err != nil {
		return err
	}
	_, err = ev.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(TriggerRule), Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(arn)}}})
	return err
}

func (e *Env) createMachines(ctx context.Context) error {
	c := sfn.NewFromConfig(e.AWS)
	for file, arn := range map[string]*string{"deploy.asl.json": &e.DeployMachine, "remove.asl.json": &e.RemoveMachine} {
		def, err := e.Definition(file)
		if err != nil {
			return err
		}
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name:       aws.String("berth-" + strings.TrimSuffix(file, ".asl.json")),
			Definition: aws.String(def),
			RoleArn:    aws.String(fmt.Sprintf("arn:aws:iam::%s:role/berth-statemachine", motoserver.Account)),
		})
		if err != nil {
			return err
		}
		*arn = *out.StateMachineArn
	}
	return nil
}

// FunctionArn is a function's ARN in the emulator, e.g. for "Validate".
func (e *Env) FunctionArn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", e.Region, motoserver.Account, FunctionName(name))
}

// Definition returns an ASL file with its ${...} substitutions filled as SAM's
// DefinitionSubstitutions would.
func (e *Env) Definition(file string) (string, error) {
	b, err := statemachine.Files.ReadFile(file)
	if err != nil {
		return "", err
	}
	def := string(b)
	for _, fn := range Functions {
		def = strings.ReplaceAll(def, "${"+fn+"FunctionArn}", e.FunctionArn(fn))
	}
	if i := strings.Index(def, "${"); i >= 0 {
		return "", fmt.Errorf("%s: unfilled substitution near %q", file, def[i:min(len(def), i+40)])
	}
	return def, nil
}
