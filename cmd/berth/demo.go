package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/berth-dev/berth/internal/localrun"
)

//go:embed demo/*.yml
var demoFiles embed.FS

func init() {
	register("demo", "deploy, switch, fail and roll back, then remove an example app on a local AWS emulator", runDemo)
}

// demoStep is one act of the demo.
type demoStep struct {
	title, file, failAt string
	remove              bool
}

var demoSteps = []demoStep{
	{title: "1. Deploy shop: api on Lambda, web on ECS Fargate", file: "demo/v1-mixed.yml"},
	{title: "2. Switch web to Lambda: the ALB, ECS cluster and security groups disappear", file: "demo/v2-all-lambda.yml"},
	{title: "3. Deploy a change that fails verification (fault injected): berth rolls it back", file: "demo/v3-bigger-api.yml", failAt: "verify"},
	{title: "4. Remove shop: nothing berth created is left", remove: true},
}

// runDemo is `make demo`: the real state machines and handlers against moto.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ctx := context.Background()
	start := time.Now()
	fmt.Fprintln(stdout, "berth demo: starting a local AWS emulator (moto) with berth's state machines and handlers")
	s, err := localrun.NewSession(ctx, localrun.SessionOptions{Region: "eu-west-1", Progress: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "berth demo:", err)
		return exitFail
	}
	defer s.Close()
	defer closeOnSignal(s.Close)()
	var last []string
	for _, st := range demoSteps {
		fmt.Fprintf(stdout, "\n== %s\n", st.title)
		r, err := demoAct(ctx, s, st)
		if err != nil {
			fmt.Fprintln(stderr, "berth demo:", err)
			return exitFail
		}
		printReport(stdout, r)
		now := inventoryNames(r)
		if len(last) > 0 {
			printInventoryChange(stdout, last, now)
		}
		if want := demoExpect(st); r.Status != want {
			fmt.Fprintf(stderr, "berth demo: step %q ended %s, expected %s\n", st.title, r.Status, want)
			return exitFail
		}
		last = now
	}
	fmt.Fprintf(stdout, "\nberth demo finished in %s. Run `berth local run -f FILE --stage dev` on your own config.\n", time.Since(start).Round(time.Second))
	return exitOK
}

func demoAct(ctx context.Context, s *localrun.Session, st demoStep) (*localrun.Report, error) {
	if st.remove {
		return s.Remove(ctx, "shop", "dev")
	}
	body, err := demoFiles.ReadFile(st.file)
	if err != nil {
		return nil, err
	}
	return s.Deploy(ctx, st.file, body, "dev", st.failAt)
}

func demoExpect(st demoStep) string {
	if st.failAt != "" {
		return "ROLLED_BACK"
	}
	return "SUCCEEDED"
}

func inventoryNames(r *localrun.Report) []string {
	var out []string
	for _, it := range r.Inventory {
		out = append(out, it.Type+" "+it.Name)
	}
	sort.Strings(out)
	return out
}

func printInventoryChange(w io.Writer, before, after []string) {
	had := map[string]bool{}
	for _, x := range before {
		had[x] = true
	}
	var added, removed []string
	for _, x := range after {
		if !had[x] {
			added = append(added, x)
		}
		delete(had, x)
	}
	for x := range had {
		removed = append(removed, x)
	}
	sort.Strings(removed)
	if len(added)+len(removed) == 0 {
		fmt.Fprintln(w, "  resources: unchanged from the previous step")
		return
	}
	for _, x := range added {
		fmt.Fprintf(w, "  + %s\n", x)
	}
	for _, x := range removed {
		fmt.Fprintf(w, "  - %s\n", x)
	}
}
