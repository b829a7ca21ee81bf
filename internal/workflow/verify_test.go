package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// slowAccount observes every resource after a pause, counting how many observations run
// at once; "gone" resources are missing and "broken" ones fail.
type slowAccount struct {
	provision.Provisioner
	mu             sync.Mutex
	inFlight, most int
}

func (a *slowAccount) Observe(_ context.Context, _ provision.Env, r plan.Resource) (provision.Observation, error) {
	a.mu.Lock()
	a.inFlight++
	a.most = max(a.most, a.inFlight)
	a.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	a.mu.Lock()
	a.inFlight--
	a.mu.Unlock()
	switch {
	case strings.Contains(r.Name, "gone"):
		return provision.Observation{}, nil
	case strings.Contains(r.Name, "broken"):
		return provision.Observation{}, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "observe", Cause: "denied"}
	}
	return provision.Observation{Exists: true, Ready: true}, nil
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	verify := func(t *testing.T, names ...string) (*slowAccount, VerifyOutput, error) {
		var rs []plan.Resource
		for _, n := range names {
			rs = append(rs, role(n, `{}`))
		}
		a := &slowAccount{}
		d := newDeployment(t, newAccount()).planned(rs)
		d.deps.NewClients = func(*awscalls.Counter) Clients {
			return Clients{Registry: provision.Registry{plan.KindRole: a}}
		}
		out, err := d.deps.Verify(ctx, VerifyInput{Ctx: d.ctx})
		return a, out, err
	}
	many := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("%s%03d", prefix, i))
		}
		return out
	}

	t.Run("resources are observed in parallel, never more than verifyConcurrency at once", func(t *testing.T) {
		a, out, err := verify(t, many("ok", 100)...)
		if err != nil || out.Checked != 100 {
			t.Fatalf("verify: %+v, %v", out, err)
		}
		if a.most < 2 || a.most > verifyConcurrency {
			t.Errorf("at most %d observations at once, want 2..%d", a.most, verifyConcurrency)
		}
	})
	t.Run("problems are listed in the plan's order, whatever order the observations end in", func(t *testing.T) {
		_, _, err := verify(t, append(many("ok", 40), "gone-b", "ok-x", "gone-a")...)
		var ve *VerifyError
		if !errors.As(err, &ve) || len(ve.Problems) != 2 || !strings.HasPrefix(ve.Problems[0], "gone-b/") || !strings.HasPrefix(ve.Problems[1], "gone-a/") {
			t.Fatalf("verify: %v, want gone-b then gone-a missing", err)
		}
	})
	t.Run("an observation that fails fails verify with its own typed error", func(t *testing.T) {
		_, _, err := verify(t, append(many("ok", 20), "broken")...)
		if _, ok := err.(*provision.RejectedError); !ok {
			t.Fatalf("verify: %T %v, want the *provision.RejectedError itself", err, err)
		}
	})
}
