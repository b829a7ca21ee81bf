package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth"
	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/awsdeps"
	"github.com/berth-dev/berth/internal/fakes/cloudfrontedge"
	"github.com/berth-dev/berth/internal/iamcheck"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/provision"
)

// StackName is the stack name the local runtime stands for: berth's functions are
// berth-<name>, as template.yaml names them in a stack called "berth".
const StackName = "berth"

// IAMError is a deployment's AWS calls that template.yaml does not allow the calling
// function: on AWS they fail with AccessDenied, so the local run fails too.
type IAMError struct{ Denied []error }

func (e *IAMError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d AWS call(s) not allowed by template.yaml (they would fail with AccessDenied on AWS):", len(e.Denied))
	for _, d := range e.Denied {
		b.WriteString("\n  " + d.Error())
	}
	return b.String()
}

// iamGuard logs every call berth's handlers make and checks it against the function's
// policies in template.yaml (internal/iamcheck): action, resource ARN and condition keys.
type iamGuard struct {
	log     awscalls.Log
	checker *iamcheck.Checker
	tpl     *iamcheck.Template

	mu      sync.Mutex
	checked int // calls already checked
}

func newIAMGuard(region string) (*iamGuard, error) {
	in := iamcheck.Install{Partition: "aws", Region: region, Account: motoserver.Account, StackName: StackName,
		Names: map[string]string{"ConfigBucket": ConfigBucket, "ArtifactsBucket": ArtifactsBucket, "StateTable": StateTable}}
	probe, err := iamcheck.Parse(berth.Template, in)
	if err != nil {
		return nil, err
	}
	c, tpl, err := iamcheck.Load(berth.Template, in, probe.ManagedPolicyArn("BerthRoleBoundary"))
	if err != nil {
		return nil, err
	}
	return &iamGuard{checker: c, tpl: tpl}, nil
}

// Boundary is the permissions boundary berth gives app roles (BerthRoleBoundary).
func (g *iamGuard) Boundary() string { return g.tpl.ManagedPolicyArn("BerthRoleBoundary") }

// createBoundary creates BerthRoleBoundary in the emulator, as the stack does, so roles
// created with it refer to a policy that exists.
func (g *iamGuard) createBoundary(ctx context.Context, cfg aws.Config) error {
	doc, err := json.Marshal(g.tpl.ManagedPolicyDocument("BerthRoleBoundary"))
	if err != nil {
		return err
	}
	_, err = iam.NewFromConfig(cfg).CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName: aws.String("BerthRoleBoundary"), Path: aws.String("/berth/"), PolicyDocument: aws.String(string(doc))})
	return err
}

// check evaluates the calls logged since the last check.
func (g *iamGuard) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	calls := g.log.Calls()
	denied := g.checker.Check(calls[g.checked:])
	g.checked = len(calls)
	if len(denied) == 0 {
		return nil
	}
	return &IAMError{Denied: denied}
}

// Calls returns every AWS call berth's handlers made in this session.
func (s *Session) Calls() []awscalls.Call { return s.iam.log.Calls() }

// IAMChecker is the checker of template.yaml's policies the session enforces.
func (s *Session) IAMChecker() *iamcheck.Checker { return s.iam.checker }

// checkIAM fails a local run whose calls template.yaml does not allow.
func (s *Session) checkIAM(r *Report) (*Report, error) {
	if err := s.iam.check(); err != nil {
		var ie *IAMError
		if errors.As(err, &ie) {
			s.say("%s", err)
		}
		return r, err
	}
	return r, nil
}

// config is the handlers' SDK config: the emulator's, with every call logged.
func (g *iamGuard) config(base aws.Config) aws.Config {
	cfg := base.Copy()
	g.log.Attach(&cfg)
	return cfg
}

// s0Settings are the handlers' settings in the emulator, as template.yaml sets them on
// AWS (including the permissions boundary every app role gets).
func handlerSettings(env *Env, g *iamGuard) awsdeps.Settings {
	return awsdeps.Settings{Region: env.Region, Account: motoserver.Account, Table: StateTable,
		ArtifactsBucket: ArtifactsBucket, ConfigBucket: ConfigBucket, DeployMachineArn: env.DeployMachine,
		RemoveMachineArn: env.RemoveMachine, PollSeconds: 1, Lease: time.Hour, Emulator: true,
		RoleBoundaryArn: g.Boundary(), FingerprintKey: env.FingerprintKey,
		KVSHTTPClient:    cloudfrontedge.HTTPClient(strings.TrimPrefix(env.Endpoint, "http://")),
		StepFunctionArns: stepFunctionArns(env), Images: imagesFor(env).hooks()}
}

// stepFunctionArns are the step functions' ARNs, as template.yaml gives them to the plan
// function.
func stepFunctionArns(env *Env) map[string]string {
	m := map[string]string{}
	for _, fn := range provision.Functions {
		m[fn] = env.FunctionArn(fn)
	}
	return m
}
