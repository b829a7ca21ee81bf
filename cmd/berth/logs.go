package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/berth-dev/berth/internal/applogs"
)

func init() {
	register("logs", "print an app/stage's container logs (CloudWatch Logs), interleaved by time; --follow keeps printing", runLogs)
}

// logsPollEvery is how often --follow polls FilterLogEvents (tests shorten it).
var logsPollEvery = 2 * time.Second

func runLogs(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("logs", "(--app A | -f FILE) --stage S [--container C] [--since 10m] [--follow] [--output text|json] [--stack NAME] [--profile P] [--region R]", stderr)
	as := addAppStageFlags(fs, true)
	container := fs.String("container", "", "only this container's logs (default all)")
	since := fs.Duration("since", 10*time.Minute, "how far back to start")
	follow := fs.Bool("follow", false, "keep printing new lines until interrupted (polls every 2s)")
	output := fs.String("output", "text", "output format: text, or json (one event per line)")
	tf := addTargetFlags(fs, needState)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := as.check(fs, stderr); !ok {
		return code
	}
	switch {
	case *since <= 0:
		return usageError(fs, "--since must be positive, like 10m or 2h")
	case *output != "text" && *output != "json":
		return usageError(fs, "--output must be text or json, not %q", *output)
	}
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth logs: %v\n", err)
		return exitFail
	}
	applied, err := t.Store.LoadApplied(ctx, *as.app, *as.stage)
	if err != nil {
		fmt.Fprintf(stderr, "berth logs: %v\n", err)
		return exitFail
	}
	if applied == nil || applied.Desired == nil {
		fmt.Fprintf(stderr, "berth logs: %s/%s is not deployed\n", *as.app, *as.stage)
		return exitFail
	}
	groups, err := applogs.Groups(applied.Desired, *container)
	if err != nil {
		fmt.Fprintf(stderr, "berth logs: %v\n", err)
		return exitUsage
	}
	tail := applogs.NewTail(logsClients(t.AWS), groups, time.Now().Add(-*since))
	width := 0
	for _, g := range groups {
		width = max(width, len(g.Container))
	}
	for {
		events, err := tail.Poll(ctx)
		for _, e := range events {
			writeLogEvent(stdout, e, *output, width)
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return exitOK // interrupted while following
		}
		if err != nil {
			fmt.Fprintf(stderr, "berth logs: %v\n", err)
			return exitFail
		}
		if !*follow {
			return exitOK
		}
		select {
		case <-ctx.Done():
			return exitOK
		case <-time.After(logsPollEvery):
		}
	}
}

func logsClients(cfg aws.Config) func(region string) applogs.API {
	clients := map[string]applogs.API{}
	return func(region string) applogs.API {
		if c, ok := clients[region]; ok {
			return c
		}
		c := cfg.Copy()
		if region != "" {
			c.Region = region
		}
		clients[region] = cloudwatchlogs.NewFromConfig(c)
		return clients[region]
	}
}

func writeLogEvent(w io.Writer, e applogs.Event, output string, width int) {
	if output == "json" {
		b, _ := json.Marshal(e)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	msg := e.Message
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
		msg = msg[:len(msg)-1]
	}
	fmt.Fprintf(w, "%s %-*s | %s\n", e.Time.Local().Format("2006-01-02T15:04:05.000"), width, e.Container, msg)
}
