package srcpkg

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
)

// IgnoreFile is the name of the ignore file read from the root of src.
const IgnoreFile = ".dockerignore"

// pattern is one .dockerignore line, split into /-separated segments.
type pattern struct {
	segments  []string
	exception bool // the line started with "!": matching paths are sent after all
}

// Ignore holds the patterns of a .dockerignore file, in file order.
type Ignore struct {
	patterns []pattern
}

// IgnoreError is a .dockerignore line Docker would refuse too.
type IgnoreError struct {
	Line    int
	Text    string
	Problem string
}

func (e *IgnoreError) Error() string {
	return fmt.Sprintf("%s line %d %q: %s", IgnoreFile, e.Line, e.Text, e.Problem)
}

// ParseIgnore reads .dockerignore text. Lines are cleaned as Docker cleans them: a line
// starting with "#" is a comment, surrounding space is trimmed, a leading "!" makes an
// exception, the rest goes through filepath.Clean and loses a leading "/".
func ParseIgnore(r io.Reader) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a UTF-8 byte order mark, as editors on Windows write
		}
		if strings.HasPrefix(text, "#") {
			continue
		}
		line := strings.TrimSpace(text)
		if line == "" {
			continue
		}
		p := pattern{}
		if strings.HasPrefix(line, "!") {
			p.exception = true
			line = strings.TrimSpace(line[1:])
			if line == "" {
				return nil, &IgnoreError{Line: n, Text: text, Problem: `a bare "!" excepts nothing: name the path to send after "!"`}
			}
		}
		line = filepath.ToSlash(filepath.Clean(line))
		line = strings.TrimPrefix(line, "/")
		for _, seg := range strings.Split(line, "/") {
			if _, err := path.Match(seg, ""); err != nil {
				return nil, &IgnoreError{Line: n, Text: text, Problem: "malformed pattern (an unclosed [ or a trailing \\): " + err.Error()}
			}
			p.segments = append(p.segments, seg)
		}
		ig.patterns = append(ig.patterns, p)
	}
	return ig, sc.Err()
}

// Excluded reports whether rel (a /-separated path relative to the root of src) is left
// out: the last pattern matching rel or one of its parent directories decides.
func (ig *Ignore) Excluded(rel string) bool {
	if ig == nil {
		return false
	}
	segs := strings.Split(rel, "/")
	excluded := false
	for _, p := range ig.patterns {
		if p.matchesSelfOrParent(segs) {
			excluded = !p.exception
		}
	}
	return excluded
}

// HasExceptions reports whether some line starts with "!", so an excluded directory may
// still hold paths that are sent.
func (ig *Ignore) HasExceptions() bool {
	if ig == nil {
		return false
	}
	for _, p := range ig.patterns {
		if p.exception {
			return true
		}
	}
	return false
}

func (p pattern) matchesSelfOrParent(segs []string) bool {
	for n := len(segs); n > 0; n-- {
		if match(p.segments, segs[:n]) {
			return true
		}
	}
	return false
}

// match matches path segments against pattern segments. "**" stands for any number of
// directories (none included); as the last segment it stands for everything below, so
// "dir/**" matches what is in dir but not dir itself, as in Docker.
func match(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		if len(pat) == 1 {
			return len(segs) > 0
		}
		for i := 0; i <= len(segs); i++ {
			if match(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], segs[0])
	return ok && match(pat[1:], segs[1:])
}
