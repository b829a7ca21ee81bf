package main

import (
	"strings"
	"testing"
	"time"
)

func TestRollbackPicksTheVersionBeforeTheAppliedOne(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	versions := []objectVersion{{"v3", t0.Add(3 * time.Hour)}, {"v2", t0.Add(2 * time.Hour)}, {"v1", t0.Add(time.Hour)}} // newest first
	tests := []struct {
		name, current, to string
		want              string
		err               string
	}{
		{name: "the version before the applied one", current: "v3", want: "v2"},
		{name: "the version before an applied one that is not the newest", current: "v2", want: "v1"},
		{name: "an explicit version", current: "v3", to: "v1", want: "v1"},
		{name: "an explicit version even when nothing is deployed", to: "v2", want: "v2"},
		{name: "an unknown explicit version is an error", current: "v3", to: "v9", err: `no version "v9"`},
		{name: "nothing deployed and no version is an error", err: "nothing is deployed"},
		{name: "the oldest version has nothing before it", current: "v1", err: "oldest one stored"},
		{name: "an applied version no longer stored needs an explicit one", current: "gone", err: "no longer in the bucket: pass --to VERSION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pickVersion(versions, tt.current, tt.to)
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want one containing %q", err, tt.err)
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.err == "" && got.id != tt.want:
				t.Errorf("picked %s, want %s", got.id, tt.want)
			}
		})
	}
}
