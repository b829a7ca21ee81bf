package config

import (
	"strings"
	"testing"
)

// Security probe row 1.31: literal values that look like credentials get a warning naming
// the key and the fix, never the value; references and ordinary values get none.
func TestClearTextCredentialsInEnvironmentAreWarnedAbout(t *testing.T) {
	cases := []struct {
		name, value string
		warn        bool
	}{
		{"an AWS access key id", "AKIAIOSFODNN7EXAMPLE", true},
		{"a GitHub token", "ghp_0123456789abcdefghijABCDEFGHIJ012345", true},
		{"a password in a database URL", "postgres://app:hunter2@db:5432/app", true},
		{"a private key", "-----BEGIN RSA PRIVATE KEY-----", true},
		{"a URL with a user and no password", "postgres://app@db:5432/app", false},
		{"an ordinary value", "production", false},
		{"a plain https URL", "https://example.com/a:b", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := head + "    environment:\n      VALUE: \"" + c.value + "\"\n"
			cfg := mustLoad(t, doc, Options{})
			var got []Diagnostic
			for _, w := range cfg.Warnings {
				if w.Path == "containers.web.environment.VALUE" {
					got = append(got, w)
				}
			}
			if c.warn != (len(got) == 1) {
				t.Fatalf("warnings %v, want warn=%v", cfg.Warnings, c.warn)
			}
			if c.warn && (strings.Contains(got[0].Message, c.value) || !strings.Contains(got[0].Message, "${ssm:")) {
				t.Errorf("message %q must name the fix and never echo the value", got[0].Message)
			}
		})
	}
}
