package applogs

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

// logsClient is a CloudWatch Logs client against the shared moto_server, fresh state.
func logsClient(t *testing.T) *cloudwatchlogs.Client {
	t.Helper()
	if err := motoserver.Shared.Reset(); err != nil {
		t.Fatal(err)
	}
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	return cloudwatchlogs.NewFromConfig(cfg)
}

// put writes messages to a stream of a log group (created if needed), at the given times.
func put(t *testing.T, c *cloudwatchlogs.Client, group, stream string, at []time.Time, msgs ...string) {
	t.Helper()
	ctx := context.Background()
	_, _ = c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	_, _ = c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)})
	var evs []types.InputLogEvent
	for i, m := range msgs {
		evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(at[i].UnixMilli()), Message: aws.String(m)})
	}
	if _, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs}); err != nil {
		t.Fatal(err)
	}
}

var groups = []Group{{Container: "api", Name: "/aws/lambda/berth-shop-dev-api", Region: "eu-west-1"}, {Container: "web", Name: "/berth/shop/dev/web", Region: "eu-west-1"}}

func TestTheContainersLogsAreInterleavedByTimeAndLabelledWithTheContainer(t *testing.T) {
	c := logsClient(t)
	clients := func(string) API { return c }
	t0 := time.Now().Add(-5 * time.Minute).Truncate(time.Millisecond).UTC()
	at := func(s ...int) []time.Time {
		var ts []time.Time
		for _, n := range s {
			ts = append(ts, t0.Add(time.Duration(n)*time.Second))
		}
		return ts
	}
	put(t, c, groups[0].Name, "2026/12/06/[$LATEST]a", at(1, 4), "api one", "api four")
	put(t, c, groups[0].Name, "2026/12/06/[$LATEST]b", at(3), "api three")
	put(t, c, groups[1].Name, "ecs/web/task1", at(0, 2, 5), "web zero", "web two", "web five")

	ctx := context.Background()
	p, err := Read(ctx, clients, groups, Query{Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"web web zero", "api api one", "web web two", "api api three", "api api four", "web web five"}
	if got := lines(p.Events); !slices.Equal(got, want) || p.Next != "" {
		t.Errorf("events %q (next %q), want %q", got, p.Next, want)
	}
	if !p.Events[1].Time.Equal(t0.Add(time.Second)) || p.Events[1].Stream != "2026/12/06/[$LATEST]a" {
		t.Errorf("event %+v: time or stream lost", p.Events[1])
	}

	// --since: only what is newer; --container: only that group.
	p, err = Read(ctx, clients, groups[1:], Query{Start: t0.Add(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lines(p.Events), []string{"web web two", "web web five"}; !slices.Equal(got, want) {
		t.Errorf("web since t0+2s: %q, want %q", got, want)
	}

	// Pages: one event per group per page, until no next token.
	var paged []string
	q := Query{Start: t0, Limit: 1}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p, err := Read(ctx, clients, groups, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > 2 {
			t.Fatalf("a page of limit 1 per group has %d events", len(p.Events))
		}
		paged = append(paged, lines(p.Events)...)
		if q.Token = p.Next; q.Token == "" {
			break
		}
	}
	if len(paged) != 6 {
		t.Errorf("pages held %q, want all 6 events once", paged)
	}
	if _, err := Read(ctx, clients, groups, Query{Start: t0, Token: "not-a-token"}); !errors.Is(err, ErrBadToken) {
		t.Errorf("a forged token: %v, want ErrBadToken", err)
	}
}

func TestFollowingReturnsEachNewLineOnceAndAMissingGroupHasNoLines(t *testing.T) {
	c := logsClient(t)
	clients := func(string) API { return c }
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond).UTC()
	put(t, c, groups[0].Name, "s", []time.Time{t0, t0.Add(time.Second)}, "first", "second")
	tail := NewTail(clients, groups, t0) // groups[1] does not exist
	ctx := context.Background()
	got, err := tail.Poll(ctx)
	if err != nil || !slices.Equal(lines(got), []string{"api first", "api second"}) {
		t.Fatalf("first poll: %q, %v", lines(got), err)
	}
	if got, err = tail.Poll(ctx); err != nil || len(got) != 0 {
		t.Fatalf("a poll with nothing new: %q, %v", lines(got), err)
	}
	// A line at the same millisecond as the last one read is new, and so is a later one.
	put(t, c, groups[0].Name, "s2", []time.Time{t0.Add(time.Second), t0.Add(2 * time.Second)}, "same ms", "third")
	put(t, c, groups[1].Name, "w", []time.Time{t0.Add(3 * time.Second)}, "web appears")
	if got, err = tail.Poll(ctx); err != nil || !slices.Equal(lines(got), []string{"api same ms", "api third", "web web appears"}) {
		t.Fatalf("third poll: %q, %v", lines(got), err)
	}
}

func TestLogGroupsComeFromTheAppliedGraph(t *testing.T) {
	d := &plan.Desired{Resources: []plan.Resource{
		{ID: "web/LogGroup", Kind: plan.KindLogGroup, Container: "web", Name: "/berth/shop/dev/web", Region: "eu-west-1"},
		{ID: "api/LogGroup", Kind: plan.KindLogGroup, Container: "api", Name: "/aws/lambda/x", Region: "eu-west-1"},
		{ID: "api/Function", Kind: plan.KindFunction, Container: "api", Name: "x"},
	}}
	all, err := Groups(d, "")
	if err != nil || len(all) != 2 || all[0].Container != "api" || all[1].Name != "/berth/shop/dev/web" {
		t.Errorf("groups %+v, %v", all, err)
	}
	one, err := Groups(d, "web")
	if err != nil || len(one) != 1 || one[0].Container != "web" {
		t.Errorf("--container web: %+v, %v", one, err)
	}
	var unknown *ErrUnknownContainer
	if _, err := Groups(d, "db"); !errors.As(err, &unknown) || err.Error() != `--container "db": the deployed app has no such container (it has: [api web])` {
		t.Errorf("--container db: %v", err)
	}
}

func lines(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Container+" "+e.Message)
	}
	return out
}
