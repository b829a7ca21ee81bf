package plan

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The planner must stay pure so it can run anywhere (CLI, tests, any Lambda) without
// credentials: no file of the package, tests included, may import the AWS SDK.
func TestNoFileImportsTheAWSSDK(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files found: %v", err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/aws/") {
				t.Errorf("%s imports %s; internal/plan must not import AWS packages", f, path)
			}
		}
	}
}
