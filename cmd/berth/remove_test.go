package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRemoveConfirmsOnlyOnAnExplicitYes(t *testing.T) {
	t.Cleanup(func() { stdin = os.Stdin })
	for answer, want := range map[string]bool{"y\n": true, "YES\n": true, " yes ": true, "\n": false, "n\n": false, "yess\n": false, "": false} {
		stdin = strings.NewReader(answer)
		if got := confirm(io.Discard, "? "); got != want {
			t.Errorf("answer %q: confirmed %v, want %v", answer, got, want)
		}
	}
}

func TestNeitherTheNullDeviceNorAFileIsATerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if isTerminal(null) {
		t.Errorf("%s is taken for a terminal", os.DevNull)
	}
	p := filepath.Join(t.TempDir(), "answers")
	if err := os.WriteFile(p, []byte("y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is taken for a terminal")
	}
}
