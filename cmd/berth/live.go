package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/progress"
	"github.com/berth-dev/berth/internal/state"
)

// liveOn returns an in-place progress block when w is a terminal, else nil (pipes, files
// and CI get one line per event).
var liveOn = func(w io.Writer) *progress.Live {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) || os.Getenv("TERM") == "dumb" {
		return nil
	}
	return progress.NewLive(f, terminalWidth(f))
}

// terminalWidth asks the terminal for its columns (TIOCGWINSZ), else $COLUMNS.
func terminalWidth(f *os.File) int {
	var ws struct{ rows, cols, x, y uint16 }
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws))); errno == 0 && ws.cols > 0 {
		return int(ws.cols)
	}
	n, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	return n
}

// aboveLive writes through the live block: each write lands above it.
type aboveLive struct{ l *progress.Live }

func (a aboveLive) Write(p []byte) (int, error) {
	a.l.Print(string(p))
	return len(p), nil
}

// drawInFlight redraws the block from the deployment's journal, with live detail for
// what waits on ECS tasks or a Lambda function's state.
func (wt *watch) drawInFlight(ctx context.Context, d *state.Deployment) {
	if wt.live == nil || d == nil {
		return
	}
	journal, err := wt.t.Store.Journal(ctx, wt.app, wt.stage, wt.id)
	if err != nil {
		return // the block is a nicety; the step lines above carry the facts
	}
	flights := progress.InFlight(d, journal)
	outputs := map[string]map[string]string{}
	for _, e := range journal {
		if len(e.Outputs) > 0 {
			outputs[string(e.Action)+" "+e.StepID] = e.Outputs
		}
	}
	for i, f := range flights {
		if f.Waiting {
			flights[i].Detail = wt.liveDetail(ctx, f, outputs[f.Name])
		}
	}
	wt.flights = flights
	wt.live.Draw(flights, time.Now())
}

// distributionGetter is the read that shows a distribution's deployment status.
type distributionGetter interface {
	GetDistribution(ctx context.Context, in *cloudfront.GetDistributionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error)
}

func (wt *watch) liveDetail(ctx context.Context, f progress.Flight, out map[string]string) string {
	if wt.health == nil {
		wt.health = sdkHealthClients(wt.t.AWS)
	}
	if wt.cdn == nil {
		cfg := wt.t.AWS.Copy()
		cfg.Region = plan.EdgeRegion // CloudFront's control plane
		wt.cdn = cloudfront.NewFromConfig(cfg)
	}
	lam, ecsc := wt.health("")
	switch f.Kind {
	case plan.KindDistribution:
		return distributionDetail(ctx, wt.cdn, out[plan.AttrID])
	case plan.KindService:
		a, err := arn.Parse(out[plan.AttrArn]) // service/<cluster>/<service>
		parts := strings.Split(a.Resource, "/")
		if err != nil || len(parts) != 3 {
			return ""
		}
		h, _ := ecsHealth(ctx, ecsc, parts[1], parts[2])
		return h
	case plan.KindFunction:
		if name := out[plan.AttrName]; name != "" {
			h, _ := lambdaHealth(ctx, lam, name)
			return h
		}
	}
	return ""
}

// distributionDetail is "Distribution E2ABC… InProgress" (Status is InProgress until the
// change reached every edge location, then Deployed: API_Distribution).
func distributionDetail(ctx context.Context, api distributionGetter, id string) string {
	if id == "" {
		return ""
	}
	out, err := api.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil || out.Distribution == nil {
		return ""
	}
	return "Distribution " + id + " " + aws.ToString(out.Distribution.Status)
}
