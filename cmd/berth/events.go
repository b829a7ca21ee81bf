package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// jsonEvents is stdout under --output json: one JSON object per line. What commands print
// as text becomes {"event":"note"}; the watch emits step, status and result events.
type jsonEvents struct {
	enc *json.Encoder
	buf bytes.Buffer
}

func newJSONEvents(w io.Writer) *jsonEvents { return &jsonEvents{enc: json.NewEncoder(w)} }

// Event is one line of --output json.
type Event struct {
	Event      string    `json:"event"` // note | status | step | result
	Time       time.Time `json:"time"`
	Deployment string    `json:"deployment,omitempty"`
	Message    string    `json:"message,omitempty"`
	Status     string    `json:"status,omitempty"`
	Step       string    `json:"step,omitempty"`
	Started    time.Time `json:"started,omitzero"`
	Ended      time.Time `json:"ended,omitzero"`
	DurationMs int64     `json:"durationMs,omitempty"`
	Error      string    `json:"error,omitempty"`
	URL        string    `json:"url,omitempty"`
	// Changed are the steps that changed the account; Undone, after a rollback, the ones
	// compensation undid, newest first.
	Changed  []string `json:"changed,omitempty"`
	Undone   []string `json:"undone,omitempty"`
	Mutating int      `json:"mutatingCalls,omitempty"`
	Read     int      `json:"readCalls,omitempty"`
}

func (j *jsonEvents) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	_ = j.enc.Encode(e)
}

// Write turns each complete line of text into a note event.
func (j *jsonEvents) Write(p []byte) (int, error) {
	j.buf.Write(p)
	for {
		line, err := j.buf.ReadString('\n')
		if err != nil {
			j.buf.WriteString(line) // incomplete: keep for the next write
			return len(p), nil
		}
		if msg := strings.TrimRight(line, "\n"); strings.TrimSpace(msg) != "" {
			j.emit(Event{Event: "note", Message: msg})
		}
	}
}
