package motoserver

import (
	"context"
	"os"
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
