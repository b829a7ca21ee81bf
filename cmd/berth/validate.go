package main

import (
	"fmt"
	"io"
)

func init() {
	register("validate", "check a config file: schema, variables, values", runValidate)
}

// runValidate: exit 0 when the file is valid (warnings on stderr), 1 with every error on
// stderr, 2 for a bad command line.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", "-f FILE [--stage S]", stderr)
	file := fileFlag(fs)
	stage := fs.String("stage", "", "stage whose params to use (default dev)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *file == "" {
		return usageError(fs, "-f FILE is required")
	}
	cfg, code := loadConfig(*file, *stage, stderr)
	if cfg == nil {
		return code
	}
	fmt.Fprintf(stdout, "%s: valid (app %s, stage %s, %d %s)\n", *file, cfg.Name, cfg.Stage,
		len(cfg.Containers), plural(len(cfg.Containers), "container", "containers"))
	return exitOK
}
