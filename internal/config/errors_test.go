package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestErrorsRenderOneLinePerDiagnosticWithFileLineColumnAndPath(t *testing.T) {
	err := &Errors{File: "app/prod/serverless.containers.yml", Diagnostics: []Diagnostic{
		{Path: "containers.web.port", Line: 9, Column: 11, Message: "70000 is out of range"},
		{Path: "stage", Message: "bad stage"},
		{Line: 3, Message: "invalid YAML"},
	}}
	want := "app/prod/serverless.containers.yml:9:11: containers.web.port: 70000 is out of range\n" +
		"app/prod/serverless.containers.yml: stage: bad stage\n" +
		"app/prod/serverless.containers.yml:3: invalid YAML"
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestLoadUsesTheFileNameFromOptionsAndADefault(t *testing.T) {
	_, err := Load(context.Background(), []byte("name: x\n"), Options{File: "shop/dev/serverless.containers.yml"})
	var errs *Errors
	if !errors.As(err, &errs) || errs.File != "shop/dev/serverless.containers.yml" {
		t.Fatalf("got %v", err)
	}
	_, err = Load(context.Background(), []byte("name: x\n"), Options{})
	if !errors.As(err, &errs) || errs.File != "serverless.containers.yml" {
		t.Fatalf("got %v", err)
	}
}

func TestDiagnosticsComeInFileOrder(t *testing.T) {
	doc := head + lines("    port: 0", "    compute:", "      awsLambda: {memory: 1}") + "region: x\n"
	diags := mustErrors(t, strings.Replace(doc, "name: app", "name: A", 1), Options{})
	for i := 1; i < len(diags); i++ {
		if diags[i-1].Line > diags[i].Line {
			t.Errorf("line %d comes after line %d", diags[i].Line, diags[i-1].Line)
		}
	}
	if len(diags) != 4 {
		t.Errorf("want 4 diagnostics, got %v", diags)
	}
}

func TestNotFoundErrorSaysWhereItLooked(t *testing.T) {
	err := &NotFoundError{Variable: "env:API_KEY", LookedUp: "SSM parameter /berth/shop/prod/env/API_KEY"}
	if got := err.Error(); got != "env:API_KEY not found (looked up SSM parameter /berth/shop/prod/env/API_KEY)" {
		t.Errorf("got %q", got)
	}
}

func TestHostileFilesFailCleanly(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g"} {
		laughs += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	selfLaughs := "name: app\nstages:\n  default:\n    params:\n      a: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	prev = "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"} {
		selfLaughs += "      " + n + ": ${param:" + prev + "}${param:" + prev + "}\n"
		prev = n
	}
	selfLaughs += "deployment: {type: aws@1.0}\ncontainers:\n  web:\n    src: .\n    routing: {pathPattern: /*}\n    environment: {X: \"${param:m}\"}\n"
	cases := []struct{ name, doc, contains string }{
		{"an alias bomb is stopped", laughs, "more than"},
		{"a variable bomb is stopped", selfLaughs, "grows beyond"},
		{"deep nesting is stopped", "a: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n", "deeper than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			found := false
			for _, d := range mustErrors(t, tc.doc, Options{}) {
				found = found || strings.Contains(d.Message, tc.contains)
			}
			if !found {
				t.Errorf("no diagnostic mentions %q", tc.contains)
			}
		})
	}
}
