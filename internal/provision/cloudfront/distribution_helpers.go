package cloudfront

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/provision"
)

// withFreshETag runs fn (read the ETag, then write with IfMatch) and runs it once more
// when CloudFront answers PreconditionFailed: somebody changed the resource between the
// read and the write, and a second read gets the new ETag. A second PreconditionFailed
// is returned (Classify makes it a TransientError, so the state machine retries later).
func withFreshETag(fn func() error) error {
	err := fn()
	if provision.ErrorCode(err) == "PreconditionFailed" {
		err = fn()
	}
	return err
}

// addDiff appends a field difference when want and got differ.
func addDiff(d []provision.FieldDiff, field, want, got string) []provision.FieldDiff {
	if want == got {
		return d
	}
	return append(d, provision.FieldDiff{Field: field, Desired: want, Actual: got})
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// sortedCopy returns the strings sorted, so list order never shows up as a difference.
func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func joinList(s []string) string { return strings.Join(s, ",") }

// shortHash is 32 hex digits of sha256 over the NUL-joined parts.
func shortHash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:32]
}
