package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/applogs"
)

// RouteGetLogs reads the containers' CloudWatch Logs, a page at a time.
const RouteGetLogs = "GET /v1/apps/{app}/stages/{stage}/logs"

// Logs query limits.
const (
	MaxLogsLimit     = 1000 // events per container per page
	DefaultLogsLimit = 100
	DefaultLogsSince = 10 * time.Minute
)

// LogsClients gives the CloudWatch Logs client of a region (the containers' region).
type LogsClients func(region string) applogs.API

// Logs is GET .../logs's answer: events in time order and the token of the next page.
type Logs struct {
	Events []applogs.Event `json:"events"`
	Next   string          `json:"next,omitempty"`
}

// getLogs serves ?container=C&since=10m (or start=RFC3339)&end=RFC3339&limit=N&next=TOKEN.
// To continue, pass the same query with next; page with start rather than since, which
// moves with the clock.
func (s *Server) getLogs(c *call) (*reply, error) {
	if s.o.Logs == nil {
		return nil, errors.New("the API was built without a CloudWatch Logs client")
	}
	q := c.r.URL.Query()
	now := s.o.Clock.Now()
	lq := applogs.Query{Start: now.Add(-DefaultLogsSince), Limit: DefaultLogsLimit, Token: q.Get("next")}
	if v := q.Get("since"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, errorf(http.StatusBadRequest, CodeInvalidQuery, "since %q: want a positive duration like 10m or 2h", clip(v))
		}
		lq.Start = now.Add(-d)
	}
	for name, t := range map[string]*time.Time{"start": &lq.Start, "end": &lq.End} {
		if v := q.Get(name); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, CodeInvalidQuery, "%s %q: want an RFC 3339 time like 2026-12-06T20:00:00Z", name, clip(v))
			}
			*t = parsed
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLogsLimit {
			return nil, errorf(http.StatusBadRequest, CodeInvalidQuery, "limit %q: want a whole number from 1 to %d", clip(v), MaxLogsLimit)
		}
		lq.Limit = int32(n)
	}
	a, err := s.loadApplied(c)
	if err != nil {
		return nil, err
	}
	groups, err := applogs.Groups(a.Desired, q.Get("container"))
	var unknown *applogs.ErrUnknownContainer
	if errors.As(err, &unknown) {
		return nil, errorf(http.StatusNotFound, CodeNotFound, "%s/%s has no container %q (it has: %v)", c.app, c.stage, clip(unknown.Container), unknown.Known)
	}
	page, err := applogs.Read(c.ctx(), s.o.Logs, groups, lq)
	if errors.Is(err, applogs.ErrBadToken) {
		return nil, errorf(http.StatusBadRequest, CodeInvalidQuery, "next: %v", err)
	}
	if err != nil {
		return nil, err
	}
	if page.Events == nil {
		page.Events = []applogs.Event{}
	}
	return ok(Logs{Events: page.Events, Next: page.Next}), nil
}
