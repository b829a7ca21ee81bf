// Package workflow holds the Step Functions task handlers of the deploy and remove state
// machines (statemachine/*.asl.json). Each functions/<name>/main.go wires one of them.
// The types here are the JSON each state passes to and gets back from its Lambda; they
// must stay in step with the ASL's Parameters and ResultSelectors.
package workflow

// Request is an execution's input: from EventBridge (S3 Object Created, via an input
// transformer), the API, the drift workflow or the CLI. Remove executions carry App and
// Stage instead of a config object.
type Request struct {
	Bucket       string `json:"bucket,omitempty"`
	Key          string `json:"key,omitempty"`
	VersionID    string `json:"versionId,omitempty"`
	Source       string `json:"source,omitempty"` // s3 | api | drift | cli
	DeploymentID string `json:"deploymentId,omitempty"`
	App          string `json:"app,omitempty"`
	Stage        string `json:"stage,omitempty"`
	// Recover, set only by Unlock, makes the deploy machine skip to compensation for a
	// deployment whose execution ended outside the machine's own Catch.
	Recover *Recovery `json:"recover,omitempty"`
}

// Recovery is what a recovering execution compensates: the deployment and why its own
// execution could not.
type Recovery struct {
	Ctx   Ctx       `json:"ctx"`
	Error StepError `json:"error"`
}

// Execution identifies the running execution ($$.Execution).
type Execution struct {
	Name string `json:"name"`
	Arn  string `json:"arn"`
}

// Ctx is what every state after validation carries.
type Ctx struct {
	DeploymentID string `json:"deploymentId"`
	App          string `json:"app"`
	Stage        string `json:"stage"`
	Bucket       string `json:"bucket"`
	Key          string `json:"key"`
	VersionID    string `json:"versionId"`
	Source       string `json:"source"`
	ExecutionArn string `json:"executionArn"`
}

// StepError is a caught error as Step Functions passes it to a Catch target.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// ValidateInput is the Validate (and remove's Prepare) state's payload.
type ValidateInput struct {
	Action    string    `json:"action,omitempty"` // "" (deploy) | "remove"
	Request   Request   `json:"request"`
	Execution Execution `json:"execution"`
}

// LockInput / LockOutput: the Lock state.
type LockInput struct {
	Ctx     Ctx  `json:"ctx"`
	Wait    bool `json:"wait,omitempty"`    // remove: wait for the lock instead of queueing
	Attempt int  `json:"attempt,omitempty"` // remove: how many times it found the lock taken
}

// LockOutput says whether this execution holds the app/stage lock.
type LockOutput struct {
	Acquired bool   `json:"acquired"`
	Holder   string `json:"holder"`
	Attempt  int    `json:"attempt"`
}

// PlanInput: the Plan state (action plan|remove), the wave loader (action wave), a
// failed step's record (action failed, with Step and Error) and a failed wave's error
// (action failure, with the Map's Error).
type PlanInput struct {
	Action string     `json:"action"`
	Ctx    Ctx        `json:"ctx"`
	Phase  string     `json:"phase,omitempty"` // apply | prune
	Wave   int        `json:"wave,omitempty"`  // the page of the phase (see wave)
	Step   *StepRef   `json:"step,omitempty"`
	Error  *StepError `json:"error,omitempty"`
}

// PlanOutput counts the planned steps; the plan itself is stored, not passed.
type PlanOutput struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Noop   int `json:"noop"`
}

// WaveOutput lists one wave's steps; Done when there is no such wave.
type WaveOutput struct {
	Items []StepRef `json:"items"`
	Done  bool      `json:"done"`
}

// StepRef names one plan step and the function (service group) that runs it; the state
// machines invoke FunctionArn.
type StepRef struct {
	ID          string `json:"id"`
	Fn          string `json:"fn"` // one of provision.Functions
	FunctionArn string `json:"functionArn"`
	Action      string `json:"action"`
}

// StepInput / StepOutput: one step in a wave, polled until done.
type StepInput struct {
	Ctx     Ctx     `json:"ctx"`
	Step    StepRef `json:"step"`
	Attempt int     `json:"attempt"`
}

// StepOutput echoes the input so the poll loop can call again.
type StepOutput struct {
	Ctx         Ctx     `json:"ctx"`
	Step        StepRef `json:"step"`
	Attempt     int     `json:"attempt"`
	Done        bool    `json:"done"`
	WaitSeconds int     `json:"waitSeconds"`
}

// VerifyInput / VerifyOutput: Verify (deploy) and Inventory (remove).
type VerifyInput struct {
	Ctx    Ctx  `json:"ctx"`
	Remove bool `json:"remove,omitempty"`
}

// VerifyOutput counts checked resources.
type VerifyOutput struct {
	Checked int `json:"checked"`
}

// CommitInput / CommitOutput: the Commit state and every terminal recording state.
type CommitInput struct {
	Ctx       *Ctx       `json:"ctx,omitempty"`
	Request   *Request   `json:"request,omitempty"`   // RecordInvalid: no Ctx yet
	Execution *Execution `json:"execution,omitempty"` //
	Outcome   string     `json:"outcome"`             // succeeded | rolled_back | failed | invalid | aborted | removed
	Error     *StepError `json:"error,omitempty"`
}

// CommitOutput names the execution started for the newest pending config, if any.
type CommitOutput struct {
	Next string `json:"next"`
}

// CompensateInput / CompensateOutput: the rollback loop.
type CompensateInput struct {
	Ctx     Ctx        `json:"ctx"`
	Error   *StepError `json:"error,omitempty"`
	Attempt int        `json:"attempt"`
}

// CompensateOutput says whether every journal entry has been undone.
type CompensateOutput struct {
	Done        bool `json:"done"`
	Attempt     int  `json:"attempt"`
	WaitSeconds int  `json:"waitSeconds"`
}
