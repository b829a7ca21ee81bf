package cloudfront

import (
	"context"
	"testing"
)

// BenchmarkSync2000 measures the route step for an app with 2,000 routes against the
// HTTP-level fake (real SDK client, SigV4A signing, loopback HTTP): the first sync into an
// empty store, and a re-sync after one route changed. calls/op and mutating/op are the
// AWS calls one Sync makes; on AWS, latency per call dominates ns/op.
//
//	go test ./internal/provision/cloudfront -run '^$' -bench Sync2000 -benchtime 5x
func BenchmarkSync2000(b *testing.B) {
	ctx := context.Background()
	want := routes(b, 2000)

	b.Run("initial", func(b *testing.B) {
		var calls, mutating int
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			r := newRig(b)
			b.StartTimer()
			if _, err := r.w.Sync(ctx, r.arn, want); err != nil {
				b.Fatal(err)
			}
			s := r.calls.Summary()
			calls, mutating = calls+s.Mutating+s.Read, mutating+s.Mutating
		}
		b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		b.ReportMetric(float64(mutating)/float64(b.N), "mutating/op")
	})

	b.Run("resync-1-change", func(b *testing.B) {
		r := newRig(b)
		if _, err := r.w.Sync(ctx, r.arn, want); err != nil {
			b.Fatal(err)
		}
		changed := map[string]string{}
		for k, v := range want {
			changed[k] = v
		}
		alt := [2]string{lambdaValue(b, "moved", "aaa"), lambdaValue(b, "moved", "bbb")}
		before := r.calls.Summary()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			changed["/svc0042/*"] = alt[i%2] // differs from the store every iteration
			res, err := r.w.Sync(ctx, r.arn, changed)
			if err != nil || res.Puts != 1 {
				b.Fatalf("resync: %+v, %v", res, err)
			}
		}
		b.StopTimer()
		after := r.calls.Summary()
		b.ReportMetric(float64(after.Mutating+after.Read-before.Mutating-before.Read)/float64(b.N), "calls/op")
		b.ReportMetric(float64(after.Mutating-before.Mutating)/float64(b.N), "mutating/op")
	})
}
