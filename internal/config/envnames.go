package config

import "context"

// EnvNames lists the NAMEs of the ${env:NAME} variables a deploy of data for stage would
// resolve, in the order the file uses them, each once. It reads the file as Load does
// (stages, fallbacks, keys whose variables are never resolved), so `berth local run` can
// seed exactly these from the caller's environment, as SCF read them on a laptop.
func EnvNames(ctx context.Context, data []byte, stage string) []string {
	rec := &envRecorder{seen: map[string]bool{}}
	_, _ = Load(ctx, data, Options{Stage: stage, Resolver: rec})
	return rec.names
}

// envRecorder answers every lookup with "not found" and notes the ${env:} names asked for.
type envRecorder struct {
	names []string
	seen  map[string]bool
}

func (r *envRecorder) SSM(_ context.Context, name string) (string, bool, error) {
	return "", false, &NotFoundError{Variable: "ssm:" + name}
}

func (r *envRecorder) Env(_ context.Context, name string) (string, string, error) {
	if !r.seen[name] {
		r.seen[name] = true
		r.names = append(r.names, name)
	}
	return "", "", &NotFoundError{Variable: "env:" + name}
}

// EnvParameters lists the SSM parameters ${env:name} is read from, in order: the stage's
// own, then the app's, shared by every stage. It is the one rule for where an ${env:}
// value lives: the resolver reads them in this order, a resolved value is delivered from
// the parameter it was found in (EnvVar.Ref), and the Fargate execution role may read
// exactly that one.
func EnvParameters(app, stage, name string) []string {
	return []string{"/berth/" + app + "/" + stage + "/env/" + name, "/berth/" + app + "/env/" + name}
}
