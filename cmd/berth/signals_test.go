package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

func TestAnInterruptedLocalRunClosesItsEmulatorBeforeExiting(t *testing.T) {
	exited := make(chan int, 1)
	exitProcess = func(code int) { exited <- code }
	t.Cleanup(func() { exitProcess = os.Exit })
	closed := false
	release := closeOnSignal(func() { closed = true })
	defer release()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if !closed || code != 128+int(syscall.SIGHUP) {
			t.Errorf("closed %v, exit %d; want closed, exit %d", closed, code, 128+int(syscall.SIGHUP))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not end the run")
	}
}
