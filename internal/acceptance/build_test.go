//go:build aws

package acceptance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codebuild"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// buildApp is an app built from src in the account: "api", a Dockerfile app on Lambda
// (berth appends the Web Adapter), and "web", a Node app without a Dockerfile on Fargate
// (Cloud Native Buildpacks), as SCF users' configs have them.
var buildApp = map[string]string{
	"serverless.containers.yml": `name: %s
deployment:
  type: aws@1.0
containers:
  api:
    src: ./api
    routing:
      pathPattern: /api/*
      pathHealthCheck: /api/health
    compute:
      type: awsLambda
  web:
    src: ./web
    routing:
      pathPattern: /*
      pathHealthCheck: /health
    compute:
      type: awsFargateEcs
      awsFargateEcs: { cpu: 256, memory: 512 }
`,
	"api/Dockerfile":         "FROM public.ecr.aws/docker/library/busybox:stable\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
	"api/www/api/health":     "ok\n",
	"api/www/api/index.html": "api v1\n",
	"web/package.json":       `{"name":"web","version":"1.0.0","scripts":{"start":"node index.js"},"engines":{"node":"22.x"}}` + "\n",
	"web/index.js":           "require('http').createServer((q, r) => r.end(q.url === '/health' ? 'ok' : 'web v1')).listen(process.env.PORT || 8080);\n",
}

// TestSourceBuildsOnARealAccount deploys buildApp with `berth deploy -f` (sources packed,
// uploaded, built by CodeBuild), checks both containers answer through CloudFront,
// redeploys unchanged (no build), changes one file (one build), and removes the app.
func TestSourceBuildsOnARealAccount(t *testing.T) {
	stackName := env("BERTH_ACCEPTANCE_STACK", "berth-acceptance")
	app, stg := env("BERTH_ACCEPTANCE_APP", "accept")+"-src", env("BERTH_ACCEPTANCE_STAGE", "test")
	s := settings{stack: stackName, install: os.Getenv("BERTH_ACCEPTANCE_INSTALL") == "1", app: app, stage: stg}
	ctx := context.Background()
	clock := &timings{}
	st := open(t, ctx, s, clock)
	defer func() { t.Log("timings:\n  " + strings.Join(clock.phases, "\n  ")) }()

	dir := t.TempDir()
	for name, body := range buildApp {
		if strings.HasSuffix(name, ".yml") {
			body = fmt.Sprintf(body, app)
		}
		write(t, filepath.Join(dir, name), body)
	}
	deploy := func() error {
		return command(repoRoot(), "go", "run", "./cmd/berth", "deploy", "-f", filepath.Join(dir, "serverless.containers.yml"),
			"--stage", stg, "--stack", stackName, "--region", st.cfg.Region, "--timeout", "90m")
	}
	clock.run(t, "first deploy from source (CodeBuild: Dockerfile and buildpacks)", deploy)
	base := st.url(t, ctx, s)
	clock.run(t, "both built containers answer through CloudFront", func() error {
		return answers(base, map[string]string{"/api/index.html": "api v1", "/": "web v1"})
	})
	builds := codebuild.NewFromConfig(st.cfg)
	clock.run(t, "unchanged source redeploys without a build", func() error { return deployBuilding(ctx, builds, deploy, 0) })
	write(t, filepath.Join(dir, "api/www/api/index.html"), "api v2\n")
	clock.run(t, "one file changed rebuilds only api", func() error { return deployBuilding(ctx, builds, deploy, 1) })
	clock.run(t, "the new api build answers", func() error {
		return answers(base, map[string]string{"/api/index.html": "api v2", "/": "web v1"})
	})
	clock.run(t, "remove", func() error {
		x := st.startRemove(t, ctx, app, stg)
		if x.Status != sfntypes.ExecutionStatusSucceeded {
			return fmt.Errorf("remove execution %s ended %s", aws.ToString(x.Name), x.Status)
		}
		return nil
	})
	clock.run(t, "nothing left (tags, roles)", func() error { return nothingLeft(ctx, st, s) })
}

// deployBuilding deploys and checks that CodeBuild ran exactly want builds meanwhile.
func deployBuilding(ctx context.Context, c *codebuild.Client, deploy func() error, want int) error {
	count := func() (int, error) {
		n := 0
		p := codebuild.NewListBuildsPaginator(c, &codebuild.ListBuildsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return 0, err
			}
			n += len(page.Ids)
		}
		return n, nil
	}
	before, err := count()
	if err != nil {
		return err
	}
	if err := deploy(); err != nil {
		return err
	}
	after, err := count()
	if err != nil {
		return err
	}
	if after-before != want {
		return fmt.Errorf("%d CodeBuild builds ran, want %d", after-before, want)
	}
	return nil
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// answers checks each path's body contains its text, retrying while CloudFront and the
// new tasks settle.
func answers(base string, want map[string]string) error {
	var last error
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Second) {
		last = nil
		for path, text := range want {
			resp, err := http.Get(base + path)
			if err != nil {
				last = err
				break
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), text) {
				last = fmt.Errorf("GET %s: %d %q, want 200 with %q", path, resp.StatusCode, truncate(b), text)
				break
			}
		}
		if last == nil {
			return nil
		}
	}
	return last
}
