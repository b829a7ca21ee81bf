package kinds

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// mentionCeiling is today's count of kind mentions (see
// TestKindKnowledgeDoesNotSpreadBeyondItsDescriptor): lower it as kinds move into their
// descriptors, never raise it. Issue 10's target is 10.
const mentionCeiling = 10

var describedIn = regexp.MustCompile(`\{\s*Kind: plan\.(Kind\w+)`)

// A kind mention is a (kind, file) pair: a non-test Go file outside internal/plan and the
// kind's own provisioner package that names the kind, as plan.KindX or by its type string.
// Each one is a place a change to the kind may have to visit.
func TestKindKnowledgeDoesNotSpreadBeyondItsDescriptor(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	owner := map[string]string{} // plan constant name -> its provisioner package dir
	kindFiles, err := filepath.Glob(filepath.Join(root, "internal", "provision", "*", "kind.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range kindFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range describedIn.FindAllStringSubmatch(string(b), -1) {
			owner[m[1]] = filepath.Dir(f)
		}
	}
	if len(owner) != len(All()) {
		t.Fatalf("found %d descriptors written as {Kind: plan.KindX, ...} in kind.go files, want %d", len(owner), len(All()))
	}
	values := planConstants(t, filepath.Join(root, "internal", "plan", "model.go"))
	var mentions []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path == filepath.Join(root, "internal", "plan") || name == "testdata" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := string(b)
		for name, value := range values {
			if filepath.Dir(path) == owner[name] {
				continue
			}
			if regexp.MustCompile(`plan\.`+name+`\b`).MatchString(src) || strings.Contains(src, `"`+value+`"`) {
				rel, _ := filepath.Rel(root, path)
				mentions = append(mentions, rel+": "+name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(mentions)
	t.Logf("%d kind mentions (ceiling %d)", len(mentions), mentionCeiling)
	if len(mentions) > mentionCeiling {
		t.Errorf("%d kind mentions, more than the ceiling %d: put what the new code needs to know about a kind in its descriptor (internal/provision/<service>/kind.go)\n%s",
			len(mentions), mentionCeiling, strings.Join(mentions, "\n"))
	}
}

var constant = regexp.MustCompile(`(?m)^\s+(Kind\w+)\s+Kind = "([^"]+)"`)

func planConstants(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range constant.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = m[2]
	}
	if len(out) == 0 {
		t.Fatalf("no Kind constants in %s", path)
	}
	return out
}
