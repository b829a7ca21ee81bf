package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	fuzzSSMSecret = "FUZZ-SSM-SECRET-8c1f"
	fuzzEnvSecret = "FUZZ-ENV-SECRET-3b7e"
)

// fuzzResolver answers every lookup deterministically: SSM names starting with /s are
// SecureStrings, /p plain, anything else is missing; every env name exists.
type fuzzResolver struct{}

func (fuzzResolver) SSM(_ context.Context, name string) (string, bool, error) {
	switch {
	case strings.HasPrefix(name, "/s"):
		return fuzzSSMSecret, true, nil
	case strings.HasPrefix(name, "/p"):
		return "plain-" + name, false, nil
	}
	return "", false, &NotFoundError{Variable: "ssm:" + name, LookedUp: "SSM parameter " + name}
}

func (fuzzResolver) Env(context.Context, string) (string, string, error) {
	return fuzzEnvSecret, "", nil
}

// FuzzLoad checks that Load never panics, that a failure is always *Errors (the fuzz
// resolver never fails otherwise), and that secrets never reach messages.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/scf-examples/*.yml")
	more, _ := filepath.Glob("testdata/invalid/*.yml")
	for _, file := range append(files, more...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(fullConfig))
	f.Add([]byte(envDoc("      A: ${ssm:/s/x}", "      B: x-${env:K}-${param:domain}", "      C: ${self:containers.web.environment.A}", "      D: ${param:lambda}")))
	f.Add([]byte(head + "    port: ${ssm:/s/port}\n      domain: ${env:D}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, res := range []Resolver{nil, fuzzResolver{}} {
			cfg, err := Load(context.Background(), data, Options{File: "fuzz.yml", Resolver: res})
			if err != nil {
				errs, ok := err.(*Errors)
				if !ok {
					t.Fatalf("want *Errors, got %T: %v", err, err)
				}
				if len(errs.Diagnostics) == 0 {
					t.Fatal("*Errors without diagnostics")
				}
				checkNoSecret(t, data, errs.Error())
				continue
			}
			if cfg == nil {
				t.Fatal("nil config without an error")
			}
			for _, w := range cfg.Warnings {
				checkNoSecret(t, data, w.Format("fuzz.yml"))
			}
		}
	})
}

func checkNoSecret(t *testing.T, input []byte, text string) {
	t.Helper()
	for _, s := range []string{fuzzSSMSecret, fuzzEnvSecret} {
		if strings.Contains(text, s) && !strings.Contains(string(input), s) {
			t.Fatalf("a secret reached a message:\n%s", text)
		}
	}
}
