package cloudfrontedge

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Server is a FakeServer listening on a loopback port.
type Server struct {
	*FakeServer
	// URL is the base endpoint, http://127.0.0.1:<port>.
	URL string
	srv *httptest.Server
}

// Start serves a new fake on a free loopback port. Close it when done.
func Start() *Server {
	f := New()
	srv := httptest.NewServer(f)
	return &Server{FakeServer: f, URL: srv.URL, srv: srv}
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AWSConfig returns a config whose CloudFront and CloudFront KeyValueStore clients talk to
// the fake, with static test credentials (SigV4A needs real-shaped ones).
//
// The KeyValueStore client's endpoint rules send each request to
// <account>.<BaseEndpoint host>, which does not resolve for a loopback address, so the
// config's HTTP client dials the fake whatever the host; the request keeps the host the
// SDK chose (the fake checks it).
func (s *Server) AWSConfig(region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(StaticCredentials()),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   HTTPClient(s.srv.Listener.Addr().String()),
	}
}

// StaticCredentials are fixed, obviously fake credentials for tests.
func StaticCredentials() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDFAKEEDGE", SecretAccessKey: "fake-edge-secret", Source: "cloudfrontedge fake"}, nil
	})
}

// HTTPClient returns an HTTP client that connects to addr (host:port) for every request,
// whatever host the URL names.
func HTTPClient(addr string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 16,
	}}
}
