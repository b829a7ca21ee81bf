package main

import (
	"os"
	"os/signal"
	"syscall"
)

// exitProcess is os.Exit (tests replace it).
var exitProcess = os.Exit

// closeOnSignal makes Ctrl-C, a closed terminal or a kill end the process only after
// closing what it runs: moto_server runs in its own process group, so without this it
// would outlive an interrupted `berth local run`. release stops listening.
func closeOnSignal(closeFn func()) (release func()) {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case sig := <-ch:
			closeFn()
			code := 128 + int(syscall.SIGINT)
			if s, ok := sig.(syscall.Signal); ok {
				code = 128 + int(s)
			}
			exitProcess(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
