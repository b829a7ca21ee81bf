package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Options control one Load.
type Options struct {
	// Stage selects stages.<stage>.params, falling back to stages.default; "" means "dev"
	// (SCF's default stage).
	Stage string
	// File is the file name used in messages.
	File string
	// Resolver resolves deploy-time variables; nil means offline: ${ssm:}, ${aws:ssm:} and
	// ${env:} stay unresolved (EnvVar.Unresolved is true and Value is "").
	Resolver Resolver
	// Files reads the files ${file(...)} names, relative to the config; nil leaves those
	// values unresolved (checked where the files are: the CLI, the deploy workflow).
	Files FileReader
}

// Resolver resolves deploy-time variables. Implementations live elsewhere (SSM-backed);
// see the package documentation for where ${env:} values come from.
type Resolver interface {
	// SSM returns a parameter's value and whether it is a SecureString. A missing
	// parameter is a *NotFoundError.
	SSM(ctx context.Context, name string) (value string, secure bool, err error)
	// Env returns the value of ${env:name} and the SSM parameter it was read from (one of
	// EnvParameters, "" when it comes from elsewhere). A missing value is a *NotFoundError.
	Env(ctx context.Context, name string) (value, parameter string, err error)
}

// DefaultStage is SCF's stage when none is given.
const DefaultStage = "dev"

// Load parses, resolves, defaults and validates a serverless.containers.yml. When the
// input is bad the error is always *Errors, listing every problem; a Resolver failure
// other than a missing value is a *ResolveError (retryable: the file may be fine).
func Load(ctx context.Context, data []byte, opts Options) (*Config, error) {
	file := opts.File
	if file == "" {
		file = "serverless.containers.yml"
	}
	stage := opts.Stage
	if stage == "" {
		stage = DefaultStage
	}
	s := &sink{}
	root := parseYAML(s, data)
	if root == nil {
		return nil, &Errors{File: file, Diagnostics: s.finish(s.errs)}
	}
	if problem := StageNameProblem(stage); problem != "" {
		s.errs = append(s.errs, Diagnostic{Path: "stage", Message: fmt.Sprintf("%q %s", clip(stage), problem)})
	}
	cfg := &Config{Stage: stage}
	d := newDecoder(s, root, map[*yaml.Node]*varInfo{})
	stages, params := d.decodeStages(stage)
	cfg.Stages = stages
	r := &resolver{
		ctx: ctx, res: opts.Resolver, stage: stage, root: root, params: params,
		lookedIn: fmt.Sprintf("stages.%s.params and stages.default.params", stage),
		sink:     s, info: d.info, state: map[*yaml.Node]uint8{}, budget: maxNodes, bytes: maxResolvedBytes,
		ssm: map[string]lookupResult{}, env: map[string]lookupResult{}, files: opts.Files, fileDocs: map[string]fileDoc{},
	}
	r.resolveDocument()
	if r.fatal != nil {
		return nil, r.fatal
	}
	r.checkSecretUse()
	d.decodeConfig(cfg)
	d.validate(cfg)
	if len(s.errs) > 0 {
		return nil, &Errors{File: file, Diagnostics: s.finish(s.errs)}
	}
	cfg.Warnings = s.finish(s.warns)
	cfg.Refusals = s.finish(s.refusals)
	return cfg, nil
}

// parseYAML parses one YAML document whose top level is a mapping, or reports why not.
func parseYAML(s *sink, data []byte) *yaml.Node {
	if len(data) > maxFileBytes {
		s.errorAt("", nil, "the file is %d bytes; a configuration must be under %d bytes", len(data), maxFileBytes)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			s.errorAt("", nil, "the file is empty: a configuration needs at least name, deployment and containers")
		} else {
			s.errs = append(s.errs, syntaxDiagnostic(err))
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		s.errorAt("", &extra, "the file holds more than one YAML document (\"---\"); put one configuration per file")
		return nil
	}
	root, bad := expand(&doc)
	if bad != nil {
		s.errs = append(s.errs, *bad)
		return nil
	}
	if len(root.Content) == 0 {
		s.errorAt("", nil, "the file is empty: a configuration needs at least name, deployment and containers")
		return nil
	}
	if top := root.Content[0]; top.Kind != yaml.MappingNode {
		s.errorAt("", top, "the top level must be a mapping with name, deployment and containers, got %s", describe(top))
		return nil
	}
	refuseTags(s, root.Content[0], "")
	if len(s.errs) > 0 {
		return nil
	}
	return root.Content[0]
}

// Container returns the container with the given name, or nil.
func (c *Config) Container(name string) *Container {
	for i := range c.Containers {
		if c.Containers[i].Name == name {
			return &c.Containers[i]
		}
	}
	return nil
}

// syntaxRE picks the line out of yaml.v3's "yaml: line N: message".
var syntaxRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxDiagnostic(err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	d := Diagnostic{}
	if m := syntaxRE.FindStringSubmatch(err.Error()); m != nil {
		d.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	d.Message = "invalid YAML: " + msg + "; fix the syntax (check the indentation, and quote values that contain \": \" or start with * & ! { [ or %)"
	return d
}
