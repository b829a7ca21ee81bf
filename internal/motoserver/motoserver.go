// Package motoserver starts and stops a real moto_server (the AWS emulator) on a free
// loopback port, for integration tests and the local runtime.
package motoserver

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// Account is the account id moto uses by default.
const Account = "123456789012"

// InstallHint says how to get moto_server when it is missing.
const InstallHint = "moto_server not found in the project's .venv or on PATH: install it with `make setup` " +
	"(python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.1' cfn-lint); berth's tests and `berth local` run against it"

// Server is a running moto_server.
type Server struct {
	Endpoint string // http://127.0.0.1:<port>
	Port     int
	cmd      *exec.Cmd
	done     chan struct{}
}

// Options tune Start.
type Options struct {
	// Env is added to moto_server's environment (e.g. MOTO_PORT for Lambda invokes).
	Env []string
	// Log receives moto_server's output; nil discards it.
	Log *os.File
	// ConcurrentExecutions starts moto through moto_launcher.py, which lets Step Functions
	// executions overlap and fixes moto's CloudFront origins and associations (see the
	// comment in that file). Needs python3 with moto.
	ConcurrentExecutions bool
}

//go:embed moto_launcher.py
var launcher []byte

// command builds the moto_server command line.
func command(opts Options, port int) (*exec.Cmd, error) {
	args := []string{"-H", "127.0.0.1", "-p", strconv.Itoa(port)}
	if !opts.ConcurrentExecutions {
		bin, err := lookPath("moto_server")
		if err != nil {
			return nil, errors.New(InstallHint)
		}
		return exec.Command(bin, args...), nil
	}
	python, err := lookPath("python3")
	if err != nil {
		return nil, errors.New(InstallHint)
	}
	if err := exec.Command(python, "-c", "import moto.server").Run(); err != nil {
		return nil, errors.New(InstallHint)
	}
	f, err := os.CreateTemp("", "berth-moto-*.py")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Write(launcher); err != nil {
		return nil, err
	}
	return exec.Command(python, append([]string{f.Name()}, args...)...), nil
}

// lookPath finds a command in the project's .venv/bin (what `make setup` creates) before
// PATH, so `go test` finds moto there as make does.
func lookPath(name string) (string, error) {
	if dir, ok := projectRoot(); ok {
		p := filepath.Join(dir, ".venv", "bin", name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// projectRoot is the nearest directory at or above the working directory holding go.mod
// (go test runs in the package's directory).
func projectRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Start launches moto_server and waits until it answers.
func Start(opts Options) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd, err := command(opts, port)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
	// Own process group, so Stop also ends moto's workers.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("moto_server exited during start-up")
		default:
		}
		resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("moto_server did not answer on %s within %s", s.Endpoint, limit)
}

// Stop ends moto_server and its children.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// Reset wipes all emulated state.
func (s *Server) Reset() error {
	resp, err := http.Post(s.Endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// AWSConfig returns an SDK config that talks to this server with fake credentials.
func (s *Server) AWSConfig(ctx context.Context, region string) (aws.Config, error) {
	return Config(ctx, s.Endpoint, region)
}

// Config returns an SDK config for any emulator endpoint.
func Config(ctx context.Context, endpoint, region string) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRegion(region),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		awsconfig.WithRetryMaxAttempts(3), // moto occasionally drops a connection; calls are counted once however many attempts
	)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.BaseEndpoint = aws.String(endpoint)
	// moto's responses carry no checksums; the SDK would log a line per S3 read.
	cfg.Logger = logging.Nop{}
	return cfg, nil
}

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
