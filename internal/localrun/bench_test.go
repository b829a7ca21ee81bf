package localrun

import (
	"os"
	"testing"
)

// BenchmarkA150ContainerApp measures the 150-container app's life in the local runtime
// (`make bench` runs each phase once: -benchtime=1x). The phases share one emulator and
// run in order, each from the account the previous one left; with -benchtime=Nx each
// repeats N times (the setup a repeat needs, untimed). Per deployment each reports, beside
// ns/op (wall time): AWS calls (mutating and all), Step Functions executions started, and
// the largest execution history (events) and state payload (bytes) recorded.
func BenchmarkA150ContainerApp(b *testing.B) {
	l := &bigLife{tb: b, s: bigSession(b)}
	phase := func(name string, setup func(), op func(i int) bigMeasure) {
		b.Run(name, func(b *testing.B) {
			l.tb = b
			var sum bigSum
			for i := range b.N {
				if setup != nil {
					b.StopTimer()
					setup()
					b.StartTimer()
				}
				sum.add(op(i))
			}
			sum.report(b)
		})
	}
	var tag int // the update alternates bigUpdated between two releases
	phase("deploy", func() {
		if l.current != nil {
			l.remove()
		}
	}, func(int) bigMeasure { return l.deploy() })
	phase("redeploy", nil, func(int) bigMeasure { return l.redeploy() })
	phase("update", nil, func(int) bigMeasure { tag++; return l.update([]string{"1.0", "1.1"}[tag%2]) })
	phase("late-fault", nil, func(int) bigMeasure { return l.lateFault() })
	body := l.current
	phase("remove", func() {
		if l.current == nil {
			l.run("deploy", body, "", "SUCCEEDED")
		}
	}, func(int) bigMeasure { return l.remove() })
}

// TestA150ContainerAppDeploysUpdatesRollsBackALateFaultAndRemoves is the big app's life as
// a test. It takes minutes, more than `make test` can spend on it: it runs when
// BERTH_BIG=1 (make bench sets it).
func TestA150ContainerAppDeploysUpdatesRollsBackALateFaultAndRemoves(t *testing.T) {
	if os.Getenv("BERTH_BIG") != "1" {
		t.Skip("the 150-container app takes minutes: BERTH_BIG=1 (or make bench) runs it")
	}
	l := &bigLife{tb: t, s: bigSession(t)}
	for _, p := range []struct {
		name string
		op   func() bigMeasure
	}{
		{"deploy", l.deploy}, {"redeploy", l.redeploy}, {"update", func() bigMeasure { return l.update("1.1") }},
		{"late-fault", l.lateFault}, {"remove", l.remove},
	} {
		m := p.op()
		t.Logf("%-10s %7d ms %6d mutating %7d calls %3d executions; largest history %6d events, payload %7d bytes",
			p.name, m.wallMs, m.mutating, m.calls, m.executions, m.maxEvents, m.maxPayload)
	}
}
