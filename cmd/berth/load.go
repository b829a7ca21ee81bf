package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/berth-dev/berth/internal/config"
)

// loadConfig reads and validates a config file offline (${ssm:} and ${env:} stay
// unresolved), printing warnings and errors to stderr as "file:line:col: path: message".
// It returns nil and the exit code when the file cannot be used.
func loadConfig(file, stage string, stderr io.Writer) (*config.Config, int) {
	data, err := config.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "berth: %v\n", err)
		return nil, exitFail
	}
	cfg, err := config.Load(context.Background(), data, config.Options{Stage: stage, File: file, Files: config.DirFiles(filepath.Dir(file))})
	if err != nil {
		var diags *config.Errors
		if errors.As(err, &diags) {
			for _, d := range diags.Diagnostics {
				fmt.Fprintln(stderr, d.Format(file))
			}
			fmt.Fprintf(stderr, "%s: %d %s\n", file, len(diags.Diagnostics), plural(len(diags.Diagnostics), "error", "errors"))
		} else {
			fmt.Fprintf(stderr, "berth: %s: %v\n", file, err)
		}
		return nil, exitFail
	}
	for _, w := range cfg.Warnings {
		w.Message = "warning: " + w.Message
		fmt.Fprintln(stderr, w.Format(file))
	}
	return cfg, exitOK
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
