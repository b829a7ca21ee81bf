package config

import "regexp"

// Literal environment values that look like credentials (security probe row 1.31). A clear
// value is stored in berth's state and plans and in the Lambda environment, so berth warns
// and points at SSM; it never refuses (a test fixture may look like a key) and never echoes
// the value.
var clearSecrets = []struct {
	what string
	re   *regexp.Regexp
}{
	{"an AWS access key id", regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`)},
	{"a Stripe secret key", regexp.MustCompile(`\b[rs]k_live_[A-Za-z0-9]{16,}`)},
	{"a private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"a password in a URL", regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@`)},
}

// warnClearSecret warns when a non-secret environment value at path looks like one.
func (d *decoder) warnClearSecret(path, value string) {
	for _, s := range clearSecrets {
		if s.re.MatchString(value) {
			d.warn(path, "looks like %s written in clear: berth stores this value in its state and plans and in the Lambda environment; put it in SSM as a SecureString and write ${ssm:/berth/<app>/...} (or ${env:NAME}) instead", s.what)
			return
		}
	}
}
