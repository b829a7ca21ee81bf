package aslgen

import (
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/workflow"
)

// FunctionTimeouts are the Lambda timeouts (seconds) of the functions the state machines
// invoke; template.yaml sets the same values (internal/template checks it). Compute, Alb
// and Cdn make several provisioning calls per step and Compensate undoes steps of any
// kind; long waits happen in the state machine, never in a function.
var FunctionTimeouts = map[string]int{
	"Validate": 60, "Lock": 60, "Plan": 60, "Verify": 60, "Commit": 60,
	"Compute": stepTimeout, "Alb": stepTimeout, "Cdn": stepTimeout, "Compensate": stepTimeout,
}

// stepTimeout is workflow.StepTimeout in seconds: the rollback fence is sized from it.
const stepTimeout = int(workflow.StepTimeout / time.Second)

// taskMargin is how much longer a Task waits than its function may run, so Lambda's own
// timeout (Sandbox.Timedout, retried) ends a slow invocation before the Task's
// (States.Timeout, not retried) does. A Task without TimeoutSeconds could wait forever:
// https://docs.aws.amazon.com/step-functions/latest/dg/sfn-stuck-execution.html
const taskMargin = 30

// retry is the one retry policy of every Task. Full jitter spreads the retries of a
// wave's parallel steps; MaxDelaySeconds caps the backoff. Fields:
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
var retry = []Retrier{
	// Lambda's transient service errors and throttling, as AWS lists them:
	// https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
	// Throttling gets 6 attempts: new accounts have low concurrency quotas.
	{ErrorEquals: []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
		"Lambda.ClientExecutionTimeoutException", "Lambda.TooManyRequestsException"},
		IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: "FULL"},
	// A function that timed out or crashed (same page: "Unhandled errors in Lambda are
	// reported as Lambda.Unknown ... These include out-of-memory errors and function
	// timeouts"; newer runtimes report timeouts as Sandbox.Timedout). Every handler
	// observes before it acts, so running it again is safe.
	{ErrorEquals: []string{"Sandbox.Timedout", "Lambda.Unknown"},
		IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: "FULL"},
	// provision.TransientError: AWS throttled or was not yet consistent after the SDK's
	// own retries.
	{ErrorEquals: []string{"TransientError"},
		IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: "FULL"},
}

// mapConcurrency bounds a wave's parallel steps (and so concurrent Lambda invocations).
const mapConcurrency = 16

// arn is the DefinitionSubstitutions token SAM fills with a function's ARN.
func arn(fn string) string { return "${" + fn + "FunctionArn}" }

// invoke is a Task running one of berth's functions with the shared retry policy and a
// timeout derived from the function's. fn is a function name or, for plan steps, "" (the
// function comes from the step).
func invoke(fn string, payload, selector map[string]any, resultPath any, next string) *State {
	params := map[string]any{"Payload": payload}
	timeout := 0
	if fn == "" {
		params["FunctionName.$"] = "$.step.functionArn"
		for _, f := range stepFunctions() {
			timeout = max(timeout, FunctionTimeouts[f])
		}
	} else {
		params["FunctionName"] = arn(fn)
		timeout = FunctionTimeouts[fn]
	}
	return &State{Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: params,
		ResultSelector: selector, ResultPath: resultPath, TimeoutSeconds: timeout + taskMargin,
		Retry: retry, Next: next}
}

// stepFunctions are the functions plan steps run in, by template name ("Compute").
func stepFunctions() []string {
	var out []string
	for _, f := range provision.Functions {
		out = append(out, workflow.StepFunctionName(f))
	}
	return out
}

func catchAll(resultPath, next string) []Catcher {
	return []Catcher{{ErrorEquals: []string{"States.ALL"}, ResultPath: resultPath, Next: next}}
}

func ifTrue(variable, then, otherwise string) *State {
	return &State{Type: "Choice", Choices: []Choice{{Variable: variable, BooleanEquals: &yes, Next: then}}, Default: otherwise}
}

// ifPresent continues at then when variable exists, else at otherwise.
func ifPresent(variable, then, otherwise string) *State {
	return &State{Type: "Choice", Choices: []Choice{{Variable: variable, IsPresent: &yes, Next: then}}, Default: otherwise}
}

var yes = true

// initState keeps the request and names the execution for every later state.
func initState(comment, next string) *State {
	return &State{Type: "Pass", Comment: comment, Next: next, Parameters: map[string]any{
		"request.$": "$",
		"execution": map[string]any{"name.$": "$$.Execution.Name", "arn.$": "$$.Execution.Id"},
	}}
}

// ctxSelector keeps workflow.Ctx from the Validate function's answer.
var ctxSelector = selector("deploymentId", "app", "stage", "bucket", "key", "versionId", "source", "executionArn")

// selector keeps the named fields of a function's answer.
func selector(fields ...string) map[string]any {
	m := map[string]any{}
	for _, f := range fields {
		m[f+".$"] = "$.Payload." + f
	}
	return m
}

var (
	planSelector   = selector("create", "update", "delete", "noop")
	commitSelector = selector("next")
)

// waveLoop runs one phase of the stored plan ("apply" or "prune"), wave after wave. A
// wave's steps run as a Distributed Map: each step is a child execution polling its
// resource (Task → Choice → Wait) with a history of its own, so the parent records a few
// events per wave however many steps run or however long they wait, and the loader hands
// out at most workflow.MaxWaveItems steps at a time, so no payload grows with the app
// (fidelity-fargate-asl.md B4, B5). A step that fails records its error (RecordFailure)
// before its child execution fails: the parent reads it back, whether the Map failed (AWS:
// no failure is tolerated by default) or not. It continues at done, or at onError (the
// error in $.error).
//
// Distributed Map: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
func waveLoop(s *States, phase, done, onError string) {
	p := prefix(phase)
	s.add(p+"Start", &State{Type: "Pass", Result: map[string]any{"phase": phase, "wave": 0},
		ResultPath: "$.cursor", Next: p + "LoadWave"})
	load := invoke("Plan", map[string]any{"action": "wave", "ctx.$": "$.ctx", "phase.$": "$.cursor.phase", "wave.$": "$.cursor.wave"},
		selector("items", "done"), "$.wave", hasWave(phase))
	load.Comment = "Loads the next steps of the stored plan (at most a bounded page of one wave), or fails with the error a step of an earlier one recorded."
	load.Catch = catchAll("$.error", onError)
	s.add(p+"LoadWave", load)
	s.add(hasWave(phase), ifTrue("$.wave.done", done, waveMap(phase)))

	var steps States
	step := invoke("", map[string]any{"ctx.$": "$.ctx", "step.$": "$.step", "attempt.$": "$.attempt"},
		selector("ctx", "step", "attempt", "done", "waitSeconds"), "$", p+"StepDone?")
	step.Catch = catchAll("$.stepError", p+"RecordFailure")
	steps.add(p+"Step", step)
	steps.add(p+"StepDone?", ifTrue("$.done", p+"StepFinished", p+"StepWaitReady"))
	steps.add(p+"StepWaitReady", &State{Type: "Wait", SecondsPath: "$.waitSeconds", Next: p + "Step"})
	steps.add(p+"StepFinished", &State{Type: "Pass", Result: map[string]any{}, End: true,
		Comment: "A child's output is {}: the Map's result stays small however many steps ran."})
	record := invoke("Plan", map[string]any{"action": "failed", "ctx.$": "$.ctx", "step.$": "$.step", "error.$": "$.stepError"},
		nil, discard, p+"StepFailed")
	record.Comment = "Records the step's error for the parent execution, which compensates."
	record.Catch = catchAll("$.recordError", p+"StepFailed")
	steps.add(p+"RecordFailure", record)
	steps.add(p+"StepFailed", &State{Type: "Fail", ErrorPath: "$.stepError.Error", CausePath: "$.stepError.Cause"})
	s.add(waveMap(phase), &State{Type: "Map", Label: phase, ItemsPath: "$.wave.items", MaxConcurrency: mapConcurrency,
		ItemSelector: map[string]any{"ctx.$": "$.ctx", "step.$": "$$.Map.Item.Value", "attempt": 0},
		ItemProcessor: &Processor{ProcessorConfig: map[string]string{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
			StartAt: p + "Step", States: steps},
		ResultPath: discard, Catch: catchAll("$.error", p+"WaveFailed"), Next: p + "NextWave"})
	failed := invoke("Plan", map[string]any{"action": "failure", "ctx.$": "$.ctx", "error.$": "$.error"}, nil, discard, onError)
	failed.Comment = "Always fails: with the error a step recorded (StepFailedError), else with the Map's own (WaveFailedError)."
	failed.Catch = catchAll("$.error", onError)
	s.add(p+"WaveFailed", failed)
	s.add(p+"NextWave", &State{Type: "Pass", ResultPath: "$.cursor", Next: p + "LoadWave",
		Parameters: map[string]any{"phase.$": "$.cursor.phase", "wave.$": "States.MathAdd($.cursor.wave, 1)"}})
}

// prefix names a phase's states: "Apply", "Prune".
func prefix(phase string) string { return strings.ToUpper(phase[:1]) + phase[1:] }

// hasWave is the Choice that ends a phase's wave loop; waveMap the Map running a page.
func hasWave(phase string) string { return prefix(phase) + "HasWave" }
func waveMap(phase string) string { return prefix(phase) + "Wave" }

// Deploy is statemachine/deploy.asl.json.
func Deploy() Machine {
	var s States
	s.add("Init", initState("Input: {bucket, key, versionId, source, deploymentId?} from EventBridge (S3 Object Created), the API, the drift workflow or the CLI; or {recover: {ctx, error}} from the unlock rule.", "Recover?"))
	s.add("Recover?", ifPresent("$.request.recover", "Recover", "Validate"))
	recoverCtx := map[string]any{"executionArn.$": "$$.Execution.Id"}
	for _, f := range []string{"deploymentId", "app", "stage", "bucket", "key", "versionId", "source"} {
		recoverCtx[f+".$"] = "$.request.recover.ctx." + f
	}
	s.add("Recover", &State{Type: "Pass", Next: "Compensate",
		Comment:    "An earlier execution of this deployment ended outside this machine's Catch (history or payload limit, runtime error, manual stop): undo what it changed.",
		Parameters: map[string]any{"request.$": "$.request", "execution.$": "$.execution", "ctx": recoverCtx, "error.$": "$.request.recover.error"}})
	validate := invoke("Validate", map[string]any{"request.$": "$.request", "execution.$": "$.execution"}, ctxSelector, "$.ctx", "Lock")
	validate.Comment = "Reads the config version, resolves variables, validates; nothing in the account changes."
	validate.Catch = []Catcher{
		{ErrorEquals: []string{"ConfigError"}, ResultPath: "$.error", Next: "RecordInvalid"},
		catchAll("$.error", "RecordAborted")[0],
	}
	s.add("Validate", validate)
	s.add("RecordInvalid", invoke("Commit", map[string]any{"request.$": "$.request", "execution.$": "$.execution", "outcome": "invalid", "error.$": "$.error"},
		commitSelector, "$.commit", "Invalid"))
	s.add("Invalid", &State{Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause"})
	aborted := invoke("Commit", map[string]any{"request.$": "$.request", "execution.$": "$.execution", "outcome": "aborted", "error.$": "$.error"},
		commitSelector, "$.commit", "RolledBack")
	aborted.Comment = "Validation could not run (not a bad config): nothing was changed; recorded as rolled back."
	s.add("RecordAborted", aborted)

	lock := invoke("Lock", map[string]any{"ctx.$": "$.ctx"}, selector("acquired", "holder"), "$.lock", "Locked?")
	lock.Comment = "One deployment per app/stage: a busy app/stage records this config as pending and this execution ends; the running one starts it when it finishes."
	lock.Catch = catchAll("$.error", "Compensate")
	s.add("Lock", lock)
	s.add("Locked?", ifTrue("$.lock.acquired", "Plan", "Queued"))
	s.add("Queued", &State{Type: "Succeed", Comment: "Another deployment of this app/stage holds the lock; it will deploy the newest pending config when it ends."})
	pl := invoke("Plan", map[string]any{"action": "plan", "ctx.$": "$.ctx"}, planSelector, "$.plan", "ApplyStart")
	pl.Comment = "Desired graph vs applied state; the plan is stored in S3, only counts travel."
	pl.Catch = catchAll("$.error", "Compensate")
	s.add("Plan", pl)

	waveLoop(&s, "apply", "PruneStart", "Compensate")
	waveLoop(&s, "prune", "Verify", "Compensate")

	verify := invoke("Verify", map[string]any{"ctx.$": "$.ctx"}, selector("checked"), "$.verify", "Commit")
	verify.Comment = "Observes every desired resource: all exist, match and are ready."
	verify.Catch = catchAll("$.error", "Compensate")
	s.add("Verify", verify)
	commit := invoke("Commit", map[string]any{"ctx.$": "$.ctx", "outcome": "succeeded"}, commitSelector, "$.commit", "Deployed")
	commit.Comment = "Saves the applied state, records the deployment, releases the lock and starts the newest pending config, if any."
	commit.Catch = catchAll("$.error", "Compensate")
	s.add("Commit", commit)
	s.add("Deployed", &State{Type: "Succeed"})

	compensate := func(attempt any, first bool) *State {
		payload := map[string]any{"ctx.$": "$.ctx", "error.$": "$.error"}
		if first {
			payload["attempt"] = attempt
		} else {
			payload["attempt.$"] = attempt
		}
		st := invoke("Compensate", payload, selector("done", "attempt", "waitSeconds"), "$.comp", "Compensated?")
		st.Catch = catchAll("$.compError", "RecordRollbackFailed")
		return st
	}
	c := compensate(0, true)
	c.Comment = "Walks this deployment's journal in reverse: deletes what it created, restores what it changed."
	s.add("Compensate", c)
	s.add("Compensated?", ifTrue("$.comp.done", "RecordRolledBack", "WaitCompensation"))
	s.add("WaitCompensation", &State{Type: "Wait", SecondsPath: "$.comp.waitSeconds", Next: "CompensateAgain"})
	s.add("CompensateAgain", compensate("$.comp.attempt", false))
	s.add("RecordRolledBack", invoke("Commit", map[string]any{"ctx.$": "$.ctx", "outcome": "rolled_back", "error.$": "$.error"},
		commitSelector, "$.commit", "RolledBack"))
	s.add("RolledBack", &State{Type: "Fail", Error: "DeploymentRolledBack", CausePath: "$.error.Cause"})
	s.add("RecordRollbackFailed", invoke("Commit", map[string]any{"ctx.$": "$.ctx", "outcome": "failed", "error.$": "$.compError"},
		commitSelector, "$.commit", "RollbackFailed"))
	s.add("RollbackFailed", &State{Type: "Fail", Error: "RollbackFailed", CausePath: "$.compError.Cause"})

	return Machine{Comment: "berth deploy: validate, lock, plan, apply in waves, prune, verify, commit; any failure compensates.",
		StartAt: "Init", States: s}
}

// Remove is statemachine/remove.asl.json.
func Remove() Machine {
	var s States
	s.add("Init", initState("Input: {app, stage, deploymentId?, source}.", "Prepare"))
	prepare := invoke("Validate", map[string]any{"action": "remove", "request.$": "$.request", "execution.$": "$.execution"}, ctxSelector, "$.ctx", "LockStart")
	prepare.Catch = catchAll("$.error", "Failed")
	s.add("Prepare", prepare)
	s.add("LockStart", &State{Type: "Pass", Result: map[string]any{"attempt": 0}, ResultPath: "$.lock", Next: "Lock"})
	lock := invoke("Lock", map[string]any{"ctx.$": "$.ctx", "wait": true, "attempt.$": "$.lock.attempt"}, selector("acquired", "holder", "attempt"), "$.lock", "Locked?")
	lock.Comment = "Waits for a running deployment of the app/stage to end, at most workflow.MaxLockWaits times (LockWaitError)."
	lock.Catch = catchAll("$.error", "RecordFailed")
	s.add("Lock", lock)
	s.add("Locked?", ifTrue("$.lock.acquired", "Plan", "WaitLock"))
	s.add("WaitLock", &State{Type: "Wait", Seconds: int(workflow.LockWait / time.Second), Next: "Lock"})
	pl := invoke("Plan", map[string]any{"action": "remove", "ctx.$": "$.ctx"}, planSelector, "$.plan", "PruneStart")
	pl.Comment = "Plans the deletion of everything applied, children before parents."
	pl.Catch = catchAll("$.error", "RecordFailed")
	s.add("Plan", pl)
	waveLoop(&s, "prune", "Inventory", "RecordFailed")
	inv := invoke("Verify", map[string]any{"ctx.$": "$.ctx", "remove": true}, selector("checked"), "$.verify", "Commit")
	inv.Comment = "Lists berth-owned resources by tag: anything left fails the removal, naming it."
	inv.Catch = catchAll("$.error", "RecordFailed")
	s.add("Inventory", inv)
	commit := invoke("Commit", map[string]any{"ctx.$": "$.ctx", "outcome": "removed"}, commitSelector, "$.commit", "Removed")
	commit.Catch = catchAll("$.error", "RecordFailed")
	s.add("Commit", commit)
	s.add("Removed", &State{Type: "Succeed"})
	s.add("RecordFailed", invoke("Commit", map[string]any{"ctx.$": "$.ctx", "outcome": "failed", "error.$": "$.error"},
		commitSelector, "$.commit", "Failed"))
	s.add("Failed", &State{Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause"})
	return Machine{Comment: "berth remove: deletes every resource of an app/stage in reverse dependency order (CloudFront: disable, wait until deployed, delete), then proves by tags that nothing is left.",
		StartAt: "Init", States: s}
}

// Files are the committed definitions by file name under statemachine/.
func Files() map[string]Machine {
	return map[string]Machine{"deploy.asl.json": Deploy(), "remove.asl.json": Remove()}
}

// Invokes lists the functions a machine runs (template names, sorted): those its Tasks
// name and, when a Task takes its function from the plan step, every step function. The
// state machine's role may invoke exactly these.
func (m Machine) Invokes() []string {
	seen := map[string]bool{}
	m.Walk(func(_ string, s *State) {
		if fn, ok := s.Parameters["FunctionName"].(string); ok {
			seen[strings.TrimSuffix(strings.TrimPrefix(fn, "${"), "FunctionArn}")] = true
		}
		if _, ok := s.Parameters["FunctionName.$"]; ok {
			for _, f := range stepFunctions() {
				seen[f] = true
			}
		}
	})
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}
