package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/berth-dev/berth/internal/applogs"
	"github.com/berth-dev/berth/internal/motoserver"
)

// withLogs deploys validConfig in the harness and writes lines to its api container's log
// group in moto's CloudWatch Logs, a second apart, ending a minute before now. The clock is
// the real one here: CloudWatch Logs rejects events more than 14 days old (PutLogEvents).
func withLogs(t *testing.T, lines ...string) func(h *harness) {
	return func(h *harness) {
		t.Helper()
		if err := motoserver.Shared.Reset(); err != nil {
			t.Fatal(err)
		}
		cfg, err := motoserver.Shared.AWSConfig(context.Background(), "eu-west-1")
		if err != nil {
			t.Fatal(err)
		}
		c := cloudwatchlogs.NewFromConfig(cfg)
		h.srv.o.Logs = func(string) applogs.API { return c }
		now := time.Now().UTC()
		h.srv.o.Clock = ClockFunc(func() time.Time { return now })
		h.state.applied = appliedFor(t, validConfig)
		groups, err := applogs.Groups(h.state.applied.Desired, "api")
		if err != nil {
			t.Fatal(err)
		}
		ctx, g, s := context.Background(), aws.String(groups[0].Name), aws.String("stream")
		if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: g}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: g, LogStreamName: s}); err != nil {
			t.Fatal(err)
		}
		var evs []types.InputLogEvent
		for i, l := range lines {
			at := now.Add(-time.Minute - time.Duration(len(lines)-i)*time.Second)
			evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(at.UnixMilli()), Message: aws.String(l)})
		}
		if _, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: g, LogStreamName: s, LogEvents: evs}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTheLogsRouteReadsTheContainersLogGroupsPageByPage(t *testing.T) {
	h := newHarness(t)
	withLogs(t, "one", "two", "three")(h)
	base := "/v1/apps/my-app/stages/prod/logs"

	var got []string
	next := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		path := base + "?limit=2&since=1h"
		if next != "" {
			path += "&next=" + next
		}
		rec := h.do(http.MethodGet, path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		page := decode[Logs](t, rec)
		for _, e := range page.Events {
			if e.Container != "api" {
				t.Errorf("event %+v: container %q, want api", e, e.Container)
			}
			got = append(got, e.Message)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if len(got) != 3 || got[0] != "one" || got[2] != "three" {
		t.Errorf("events %q, want one, two, three in order", got)
	}

	// start= after the last line: nothing.
	if page := decode[Logs](t, h.do(http.MethodGet, base+"?start="+time.Now().Add(-30*time.Second).UTC().Format(time.RFC3339), nil)); len(page.Events) != 0 {
		t.Errorf("start after the last line: %+v", page.Events)
	}

	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"?container=db", http.StatusNotFound, CodeNotFound},
		{"?limit=0", http.StatusBadRequest, CodeInvalidQuery},
		{"?since=yesterday", http.StatusBadRequest, CodeInvalidQuery},
		{"?start=monday", http.StatusBadRequest, CodeInvalidQuery},
		{"?next=forged", http.StatusBadRequest, CodeInvalidQuery},
	} {
		rec := h.do(http.MethodGet, base+tt.query, nil)
		if e := decode[apiError](t, rec); rec.Code != tt.status || e.Error.Code != tt.code {
			t.Errorf("GET logs%s: %d %+v, want %d %s", tt.query, rec.Code, e, tt.status, tt.code)
		}
	}
}
