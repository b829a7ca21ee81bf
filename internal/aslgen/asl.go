// Package aslgen describes berth's deploy and remove state machines in Go and renders
// them to the Amazon States Language files under statemachine/ (`go generate
// ./statemachine`). The wave loop, the retry policy and the task timeouts are each
// written once here; the JSON is committed and a test fails when it is stale.
//
// Field reference: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html
package aslgen

import (
	"bytes"
	"encoding/json"
)

// Machine is one state machine definition.
type Machine struct {
	Comment string `json:"Comment,omitempty"`
	StartAt string `json:"StartAt"`
	States  States `json:"States"`
}

// States keeps the states in the order they were added, so the rendered file reads in
// flow order (a Go map would sort them by name).
type States []Named

// Named is one state with its name.
type Named struct {
	Name  string
	State *State
}

// MarshalJSON writes the states as one object in order.
func (s States) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(n.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(n.State)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// State is any ASL state; the fields a type does not use stay empty and are omitted.
type State struct {
	Type           string         `json:"Type"`
	Comment        string         `json:"Comment,omitempty"`
	Resource       string         `json:"Resource,omitempty"`
	Parameters     map[string]any `json:"Parameters,omitempty"`
	Result         any            `json:"Result,omitempty"`
	ItemsPath      string         `json:"ItemsPath,omitempty"`
	MaxConcurrency int            `json:"MaxConcurrency,omitempty"`
	// Label names a Distributed Map's child executions (stateMachineName/Label:uuid).
	Label          string         `json:"Label,omitempty"`
	ItemSelector   map[string]any `json:"ItemSelector,omitempty"`
	ItemProcessor  *Processor     `json:"ItemProcessor,omitempty"`
	ResultSelector map[string]any `json:"ResultSelector,omitempty"`
	// ResultPath is a path string, or discard (JSON null: keep the input unchanged).
	ResultPath     any       `json:"ResultPath,omitempty"`
	TimeoutSeconds int       `json:"TimeoutSeconds,omitempty"`
	Retry          []Retrier `json:"Retry,omitempty"`
	Catch          []Catcher `json:"Catch,omitempty"`
	Choices        []Choice  `json:"Choices,omitempty"`
	Default        string    `json:"Default,omitempty"`
	Seconds        int       `json:"Seconds,omitempty"`
	SecondsPath    string    `json:"SecondsPath,omitempty"`
	Error          string    `json:"Error,omitempty"`
	ErrorPath      string    `json:"ErrorPath,omitempty"`
	Cause          string    `json:"Cause,omitempty"`
	CausePath      string    `json:"CausePath,omitempty"`
	Next           string    `json:"Next,omitempty"`
	End            bool      `json:"End,omitempty"`
}

// discard is ResultPath null: the state's result is dropped and its input passes on.
var discard = json.RawMessage("null")

// Processor is a Map state's ItemProcessor.
type Processor struct {
	ProcessorConfig map[string]string `json:"ProcessorConfig"`
	StartAt         string            `json:"StartAt"`
	States          States            `json:"States"`
}

// Retrier: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error
type Retrier struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds int      `json:"IntervalSeconds"`
	MaxAttempts     int      `json:"MaxAttempts"`
	BackoffRate     float64  `json:"BackoffRate"`
	MaxDelaySeconds int      `json:"MaxDelaySeconds"`
	JitterStrategy  string   `json:"JitterStrategy"`
}

// Catcher: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-fallback-states
type Catcher struct {
	ErrorEquals []string `json:"ErrorEquals"`
	ResultPath  string   `json:"ResultPath"`
	Next        string   `json:"Next"`
}

// Choice is one rule of a Choice state (berth only tests booleans).
type Choice struct {
	Variable      string `json:"Variable"`
	BooleanEquals *bool  `json:"BooleanEquals,omitempty"`
	// IsPresent tests whether Variable exists at all: a comparison on a missing field is
	// a States.Runtime error, not a false.
	IsPresent *bool  `json:"IsPresent,omitempty"`
	Next      string `json:"Next"`
}

// Render returns the definition as the committed file holds it.
func (m Machine) Render() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// add appends a state; the builder's functions return states in flow order.
func (s *States) add(name string, st *State) { *s = append(*s, Named{name, st}) }

// Walk calls f on every state, including those inside Map processors.
func (m Machine) Walk(f func(name string, s *State)) { walk(m.States, f) }

func walk(states States, f func(string, *State)) {
	for _, n := range states {
		f(n.Name, n.State)
		if n.State.ItemProcessor != nil {
			walk(n.State.ItemProcessor.States, f)
		}
	}
}
