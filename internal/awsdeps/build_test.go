package awsdeps

import (
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The local runtime shortens every wait with PollSeconds; on AWS it is zero and each
// kind's own wait (and the full rollback fence) applies. Lost on the way to the
// workflow, the local runtime waits as AWS does: minutes per deployment.
func TestBuildHandsPollSecondsToTheWorkflow(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, n := range []int{0, 1} {
		d, _ := Build(aws.Config{Region: "eu-west-1"}, Settings{Region: "eu-west-1", PollSeconds: n}, log)
		if d.PollSeconds != n {
			t.Errorf("Settings.PollSeconds %d became Deps.PollSeconds %d", n, d.PollSeconds)
		}
	}
}
