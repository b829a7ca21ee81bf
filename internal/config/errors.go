package config

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Errors is every problem found in one file. Load returns it (and only it) when the input
// is bad, so callers can show all problems at once instead of one per deploy attempt.
type Errors struct {
	File        string
	Diagnostics []Diagnostic
}

// Error renders one line per diagnostic: "file:line:col: key.path: message". The position
// is left out when a diagnostic has none (e.g. the stage, which comes from Options), and
// the key path when the problem is the file as a whole (e.g. a YAML syntax error).
func (e *Errors) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.Format(e.File)
	}
	return strings.Join(lines, "\n")
}

// Format renders the diagnostic as "file:line:col: key.path: message".
func (d Diagnostic) Format(file string) string {
	var b strings.Builder
	b.WriteString(file)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
		if d.Column > 0 {
			fmt.Fprintf(&b, ":%d", d.Column)
		}
	}
	b.WriteString(": ")
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// NotFoundError is what a Resolver returns when a variable's value does not exist.
// Variable is the variable as written without "${}" (e.g. "env:API_KEY"); LookedUp says
// where the resolver looked (e.g. "SSM parameter /berth/app/prod/env/API_KEY"), and is
// repeated in the diagnostic so the user knows exactly what to create.
type NotFoundError struct{ Variable, LookedUp string }

func (e *NotFoundError) Error() string {
	if e.LookedUp == "" {
		return e.Variable + " not found"
	}
	return e.Variable + " not found (looked up " + e.LookedUp + ")"
}

// ResolveError is returned by Load, instead of *Errors, when the Resolver fails for a
// reason other than a missing value (throttling, access denied, network). The file may be
// fine, so the caller should treat it as retryable rather than as invalid input.
type ResolveError struct {
	Path     string // key path of the value being resolved
	Variable string // e.g. "ssm:/db/url"
	Err      error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("%s: resolving ${%s}: %v", e.Path, e.Variable, e.Err)
}

func (e *ResolveError) Unwrap() error { return e.Err }

// sink collects errors and warnings. It is shared by the loader's passes so that every
// problem in a file is reported together.
type sink struct {
	errs  []Diagnostic
	warns []Diagnostic
	// refusals are also in warns: see decoder.refuse.
	refusals []Diagnostic
	// secrets are resolved secret values; they are scrubbed from every message as a last
	// line of defence (messages quote values only through decoder.quote, which redacts).
	secrets []string
}

func (s *sink) errorAt(path string, n *yaml.Node, format string, args ...any) {
	s.errs = append(s.errs, diagAt(path, n, format, args...))
}

func (s *sink) warnAt(path string, n *yaml.Node, format string, args ...any) {
	s.warns = append(s.warns, diagAt(path, n, format, args...))
}

func diagAt(path string, n *yaml.Node, format string, args ...any) Diagnostic {
	d := Diagnostic{Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		d.Line, d.Column = n.Line, n.Column
	}
	return d
}

// finish sorts, de-duplicates and scrubs a diagnostic list.
func (s *sink) finish(list []Diagnostic) []Diagnostic {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Path < b.Path
	})
	out := list[:0]
	for i, d := range list {
		if i > 0 && d == list[i-1] {
			continue
		}
		d.Message = s.scrub(d.Message)
		d.Path = s.scrub(d.Path)
		out = append(out, d)
	}
	return out
}

// scrub replaces any secret value that slipped into a message. Very short secrets are
// skipped because replacing e.g. "1" everywhere would garble messages; those never reach a
// message anyway because decoder.quote redacts every value that came from a secret.
func (s *sink) scrub(msg string) string {
	for _, v := range s.secrets {
		if len(v) >= 3 {
			msg = strings.ReplaceAll(msg, v, "(secret)")
		}
	}
	return msg
}
