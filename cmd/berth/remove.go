package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/stage"
)

func init() {
	register("remove", "delete everything berth created for an app/stage (asks first)", runRemove)
}

// stdin and stdinIsTerminal are the confirmation prompt's input (tests replace them).
var (
	stdin           io.Reader = os.Stdin
	stdinIsTerminal           = func() bool { return isTerminal(os.Stdin) }
)

// isTerminal reports whether f is an interactive terminal: a character device that is not
// the null device (which `cmd < /dev/null` and many CI runners give).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// runRemove starts the remove state machine for an app/stage and follows it. Without
// --yes it asks on the terminal; with no terminal to ask on, it refuses (exit 2).
func runRemove(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("remove", "--app A --stage S [--yes] [--no-wait] [--timeout 2h] [--output text|json] [--stack NAME] [--profile P] [--region R]", stderr)
	as := addAppStageFlags(fs, false)
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	ff := addFollowFlags(fs)
	tf := addTargetFlags(fs, needRemoveMachine|needState)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := as.check(fs, stderr); !ok {
		return code
	}
	if ff.timeout <= 0 {
		return usageError(fs, "--timeout must be positive")
	}
	out, ok := ff.writer(stdout)
	if !ok {
		return usageError(fs, "--output must be text or json, not %q", ff.output)
	}
	stdout = out
	if ff.output == "json" && !*yes {
		return usageError(fs, "--output json needs --yes: there is no one to ask for confirmation")
	}
	app, stg := *as.app, *as.stage
	if !*yes && !stdinIsTerminal() {
		fmt.Fprintf(stderr, "berth remove: refusing to remove %s/%s without confirmation: stdin is not a terminal; pass --yes to remove it\n", app, stg)
		return exitUsage
	}
	start := time.Now()
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth remove: %v\n", err)
		return exitFail
	}
	v, err := loadStatusWith(ctx, t, app, stg, nil) // no container health: only what goes
	if err != nil {
		fmt.Fprintf(stderr, "berth remove: %v\n", err)
		return exitFail
	}
	if v.Deployed {
		fmt.Fprintf(stdout, "%s/%s: %d %s, %d %s, %s\n", app, stg, v.Resources, plural(v.Resources, "resource", "resources"),
			len(v.Routes), plural(len(v.Routes), "route", "routes"), orText(v.URL, "no URL"))
	} else {
		fmt.Fprintf(stdout, "%s/%s is not deployed; removing still deletes anything berth-owned left behind for it\n", app, stg)
	}
	if !*yes && !confirm(stdout, fmt.Sprintf("Remove %s/%s and everything berth created for it? [y/N] ", app, stg)) {
		fmt.Fprintln(stdout, "not removed")
		return exitFail
	}
	id := newDeploymentID()
	remover := stage.StepFunctionsRemover{Client: t.SFN, MachineArn: t.Names.RemoveMachineArn}
	if _, err := stage.Remove(ctx, remover, app, stg, "cli", id); err != nil {
		fmt.Fprintf(stderr, "berth remove: start the remove state machine: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "removal %s of %s/%s started\n", id, app, stg)
	if ff.noWait {
		fmt.Fprintf(stdout, "not following (--no-wait): see berth history --app %s --stage %s\n", app, stg)
		return exitOK
	}
	wt := &watch{t: t, app: app, stage: stg, id: id, w: stdout, start: start}
	return wt.run(ctx, ff.timeout)
}

// confirm asks a yes/no question on stdin; only y or yes (any case) is yes.
func confirm(w io.Writer, question string) bool {
	fmt.Fprint(w, question)
	line, _ := bufio.NewReader(stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}
