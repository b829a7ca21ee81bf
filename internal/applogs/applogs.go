// Package applogs reads an app's container logs: the CloudWatch Logs log groups berth
// created for its containers (Lambda and ECS), interleaved by time and labelled with the
// container, a page at a time. The CLI's `berth logs` and the API's logs route use it.
package applogs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/berth-dev/berth/internal/plan"
)

// API is the CloudWatch Logs call Read makes.
type API interface {
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// Group is one container's log group.
type Group struct {
	Container string `json:"container"`
	Name      string `json:"logGroup"`
	Region    string `json:"region"`
}

// ErrUnknownContainer is returned by Groups for a container the app does not have.
type ErrUnknownContainer struct {
	Container string
	Known     []string
}

func (e *ErrUnknownContainer) Error() string {
	return fmt.Sprintf("--container %q: the deployed app has no such container (it has: %v)", e.Container, e.Known)
}

// Groups lists the log groups of the applied graph, sorted by container; container, when
// not empty, keeps only that container's.
func Groups(d *plan.Desired, container string) ([]Group, error) {
	var all, out []Group
	for _, r := range d.ContainerLogGroups() {
		all = append(all, Group{Container: r.Container, Name: r.Name, Region: r.Region})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Container < all[j].Container })
	if container == "" {
		return all, nil
	}
	var known []string
	for _, g := range all {
		known = append(known, g.Container)
		if g.Container == container {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, &ErrUnknownContainer{Container: container, Known: known}
	}
	return out, nil
}

// Event is one log line.
type Event struct {
	Time      time.Time `json:"time"`
	Container string    `json:"container"`
	Stream    string    `json:"stream"`
	Message   string    `json:"message"`
	ID        string    `json:"id"`
}

// Query selects a page: events from Start (inclusive) to End (inclusive, zero = now),
// at most Limit per log group (0 = CloudWatch's default), continuing after Token.
type Query struct {
	Start, End time.Time
	Limit      int32
	Token      string
}

// Page is one page of events in time order. Next continues it ("" = no more). Events are
// interleaved across containers within a page; with several containers, a page holds each
// group's next Limit events.
type Page struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// ErrBadToken is returned for a Token that Read did not make.
var ErrBadToken = errors.New("invalid page token: pass back the \"next\" of the previous page unchanged")

// cursor is what a page token holds: the next token of each log group with more events.
// An absent group is finished.
type cursor map[string]string

// Read reads one page. A log group that does not exist (yet: Lambda creates its own on the
// first invocation if berth's is gone) has no events.
func Read(ctx context.Context, clients func(region string) API, groups []Group, q Query) (Page, error) {
	var cur cursor
	if q.Token != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Token)
		if err != nil || json.Unmarshal(b, &cur) != nil {
			return Page{}, ErrBadToken
		}
	}
	next := cursor{}
	var events []Event
	for _, g := range groups {
		token, more := cur[g.Name]
		if q.Token != "" && !more {
			continue // this group was read to its end on an earlier page
		}
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(g.Name), StartTime: aws.Int64(q.Start.UnixMilli())}
		if !q.End.IsZero() {
			in.EndTime = aws.Int64(q.End.UnixMilli())
		}
		if q.Limit > 0 {
			in.Limit = aws.Int32(q.Limit)
		}
		if token != "" {
			in.NextToken = aws.String(token)
		}
		out, err := clients(g.Region).FilterLogEvents(ctx, in)
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return Page{}, fmt.Errorf("read log group %s (container %s): %w", g.Name, g.Container, err)
		}
		for _, e := range out.Events {
			events = append(events, Event{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Container: g.Container,
				Stream: aws.ToString(e.LogStreamName), Message: aws.ToString(e.Message), ID: aws.ToString(e.EventId)})
		}
		if out.NextToken != nil && *out.NextToken != "" {
			next[g.Name] = *out.NextToken
		}
	}
	// AWS interleaves a group's streams by time (FilterLogEvents: "interleaved" is ignored
	// and assumed true); groups are merged here. Stable, so equal times keep group order.
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	p := Page{Events: events}
	if len(next) > 0 {
		b, _ := json.Marshal(next)
		p.Next = base64.RawURLEncoding.EncodeToString(b)
	}
	return p, nil
}

// Tail follows log groups by polling: each Poll returns the events written since the
// previous one, in time order. It moves its start to the newest event's time and drops
// the events it already returned at that millisecond.
type Tail struct {
	clients func(region string) API
	groups  []Group
	start   time.Time
	seen    map[string]bool // event ids at start
}

// NewTail follows groups from start.
func NewTail(clients func(region string) API, groups []Group, start time.Time) *Tail {
	return &Tail{clients: clients, groups: groups, start: start, seen: map[string]bool{}}
}

// Poll reads every page since the last event returned.
func (t *Tail) Poll(ctx context.Context) ([]Event, error) {
	var out []Event
	q := Query{Start: t.start}
	for {
		p, err := Read(ctx, t.clients, t.groups, q)
		if err != nil {
			return out, err
		}
		for _, e := range p.Events {
			if !t.seen[e.Stream+"/"+e.ID] {
				out = append(out, e)
			}
		}
		if q.Token = p.Next; q.Token == "" {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if n := len(out); n > 0 && out[n-1].Time.After(t.start) {
		t.start, t.seen = out[n-1].Time, map[string]bool{}
	}
	for _, e := range out {
		if e.Time.Equal(t.start) {
			t.seen[e.Stream+"/"+e.ID] = true
		}
	}
	return out, nil
}
