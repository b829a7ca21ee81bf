package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusCase is one file of testdata/scf-corpus with the verdict its header states.
type corpusCase struct {
	file                  string
	valid                 bool
	stderr, plan, refused []string
}

func readCorpusCase(t *testing.T, file string) corpusCase {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := corpusCase{file: file}
	sawExpect := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line, ok := strings.CutPrefix(sc.Text(), "# ")
		if !ok {
			break
		}
		key, val, _ := strings.Cut(line, ": ")
		switch key {
		case "expect":
			c.valid, sawExpect = val == "valid", true
		case "stderr":
			c.stderr = append(c.stderr, val)
		case "plan":
			c.plan = append(c.plan, val)
		case "deploy":
			c.refused = append(c.refused, val)
		}
	}
	if !sawExpect {
		t.Fatalf("%s: no \"# expect: valid|invalid\" header", file)
	}
	return c
}

// TestTheSCFCorpusGetsTheVerdictEachFileStates runs validate and plan over SCF-shaped
// configs covering SCF's keys, name rule, YAML tags, route semantics and integrations.
func TestTheSCFCorpusGetsTheVerdictEachFileStates(t *testing.T) {
	files, err := filepath.Glob("testdata/scf-corpus/*.yml")
	if err != nil || len(files) < 10 {
		t.Fatalf("want the corpus in testdata/scf-corpus, got %d files (%v)", len(files), err)
	}
	for _, file := range files {
		c := readCorpusCase(t, file)
		t.Run(filepath.Base(file), func(t *testing.T) {
			code, _, stderr := berth("validate", "-f", file)
			if want := map[bool]int{true: exitOK, false: exitFail}[c.valid]; code != want {
				t.Fatalf("validate exit %d, want %d; stderr:\n%s", code, want, stderr)
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("validate stderr lacks %q; got:\n%s", s, stderr)
				}
			}
			code, stdout, stderr := berth("plan", "-f", file, "--stage", "dev", "--region", "eu-west-1")
			if c.valid != (code == exitOK) {
				t.Fatalf("plan exit %d for a file expected valid=%v; stderr:\n%s", code, c.valid, stderr)
			}
			for _, s := range c.plan {
				if !strings.Contains(stdout, s) {
					t.Errorf("plan output lacks %q; got:\n%s", s, stdout)
				}
			}
			if len(c.refused) == 0 {
				return
			}
			code, _, stderr = berth("deploy", "-f", file, "--stage", "dev")
			if code != exitFail {
				t.Errorf("deploy exit %d, want %d (refused before touching AWS)", code, exitFail)
			}
			for _, s := range c.refused {
				if !strings.Contains(stderr, s) {
					t.Errorf("deploy stderr lacks %q; got:\n%s", s, stderr)
				}
			}
		})
	}
}
