package imagebuild

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

func TestECRCredentialsAreSentAsBasicAuthToTheRegistry(t *testing.T) {
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	auth, host, err := ECRAuth(context.Background(), awsecr.NewFromConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if host != motoserver.Account+".dkr.ecr.eu-west-1.amazonaws.com" {
		t.Fatalf("registry host %q", host)
	}
	// A registry that demands basic auth, as ECR does, and records what it got.
	r := newRegistry(t)
	var (
		mu               sync.Mutex
		gotUser, gotPass string
	)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: r.host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="ecr"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		gotUser, gotPass = u, p
		mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	defer srv.Close()
	push(t, r.host+"/berth/shop-dev-api:abc", webImage(t, false, "amd64"))
	proxied := strings.TrimPrefix(srv.URL, "http://") + "/berth/shop-dev-api:abc-lambda"
	if _, err := Append(context.Background(), AppendRequest{Source: r.host + "/berth/shop-dev-api:abc", Target: proxied, Arch: "amd64", Adapter: standInAdapter["amd64"]}, remote.WithAuth(auth)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if gotUser != "AWS" || gotPass != motoserver.Account+"-auth-token" {
		t.Fatalf("registry saw %q/%q, want AWS and moto's token", gotUser, gotPass)
	}
}
