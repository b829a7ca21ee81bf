package motoserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestMain(m *testing.M) { os.Exit(RunTests(m)) }

func TestTheEmulatorAnswersSTSWithItsDefaultAccount(t *testing.T) {
	ctx := context.Background()
	cfg, err := Shared.AWSConfig(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Account != Account {
		t.Fatalf("account = %s, want %s", *out.Account, Account)
	}
}

func TestMotoServerIsFoundInTheProjectVenvBeforePath(t *testing.T) {
	root := t.TempDir()
	venv := filepath.Join(root, ".venv", "bin")
	pkg := filepath.Join(root, "internal", "pkg")
	for _, d := range []string{venv, pkg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(venv, "moto_server")
	if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	t.Setenv("PATH", "")
	if got, err := lookPath("moto_server"); err != nil || got != want {
		t.Errorf("lookPath = %q, %v; want %q", got, err, want)
	}
	if err := os.Remove(want); err != nil {
		t.Fatal(err)
	}
	if _, err := command(Options{}, 1); err == nil || err.Error() != InstallHint {
		t.Errorf("without .venv or PATH: %v, want the install hint", err)
	}
}
