package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/workflow"
)

func init() {
	register("deploy", "upload a config to berth's config bucket and follow the deployment it starts", runDeploy)
}

// runDeploy validates a config offline (nothing is uploaded when it is invalid), uploads
// it to <app>/<stage>/serverless.containers.yml with the deployment id in the object's
// metadata, and follows that deployment's record until it ends.
func runDeploy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy", "-f FILE --stage S [--no-wait] [--timeout 2h] [--output text|json] [--stack NAME] [--profile P] [--region R]", stderr)
	file := fileFlag(fs)
	stage := fs.String("stage", "", "stage to deploy to (required)")
	ff := addFollowFlags(fs)
	tf := addTargetFlags(fs, needConfigBucket|needState)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case *file == "":
		return usageError(fs, "-f FILE is required")
	case *stage == "":
		return usageError(fs, "--stage is required")
	case !validStage(*stage):
		return usageError(fs, "--stage %q %s", *stage, config.StageNameProblem(*stage))
	case ff.timeout <= 0:
		return usageError(fs, "--timeout must be positive")
	}
	out, ok := ff.writer(stdout)
	if !ok {
		return usageError(fs, "--output must be text or json, not %q", ff.output)
	}
	stdout = out
	start := time.Now()
	body, err := config.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "berth: %v\n", err)
		return exitFail
	}
	cfg, code := loadConfig(*file, *stage, stderr)
	if cfg == nil {
		return code
	}
	if problems := deployProblems(*file, cfg); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return exitFail
	}

	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth deploy: %v\n", err)
		return exitFail
	}
	id := newDeploymentID()
	key := configKey(cfg.Name, *stage)
	if err := uploadFiles(ctx, t, *file, key, body, *stage, stdout); err != nil {
		fmt.Fprintf(stderr, "berth deploy: %v\n", err)
		return exitFail
	}
	version, err := upload(ctx, t, key, body, id)
	if err != nil {
		fmt.Fprintf(stderr, "berth deploy: upload s3://%s/%s: %v\n", t.Names.ConfigBucket, key, err)
		return exitFail
	}
	fmt.Fprintf(stdout, "uploaded %s to s3://%s/%s (version %s)\n", *file, t.Names.ConfigBucket, key, orText(version, "-"))
	fmt.Fprintf(stdout, "deployment %s of %s/%s\n", id, cfg.Name, *stage)
	if ff.noWait {
		fmt.Fprintf(stdout, "not following (--no-wait): see berth status --app %s --stage %s, or berth history\n", cfg.Name, *stage)
		return exitOK
	}
	wt := &watch{t: t, app: cfg.Name, stage: *stage, id: id, w: stdout, start: start, key: key, version: version}
	return wt.run(ctx, ff.timeout)
}

// deployProblems are what the deployer would reject beyond validity, checked before the
// upload so a doomed config never starts a deployment.
func deployProblems(file string, cfg *config.Config) []string {
	var out []string
	for _, ct := range cfg.Containers {
		if ct.Image == "" {
			out = append(out, fmt.Sprintf("%s: containers.%s: has no image: berth deploys prebuilt images; push one to ECR and set containers.%s.image to its URI", file, ct.Name, ct.Name))
		}
	}
	if _, _, ok := workflow.ParseConfigKey(configKey(cfg.Name, cfg.Stage)); !ok {
		out = append(out, fmt.Sprintf("%s: name %q cannot be deployed: it %s", file, cfg.Name, config.AppNameProblem(cfg.Name)))
	}
	for _, r := range cfg.Refusals {
		out = append(out, r.Format(file))
	}
	return out
}

// configKey is where the config of app/stage lives in the config bucket.
func configKey(app, stage string) string { return app + "/" + stage + "/serverless.containers.yml" }

func validStage(stage string) bool { return config.StageNameProblem(stage) == "" }

func validApp(app string) bool { return config.AppNameProblem(app) == "" }

// upload writes a config as the newest version of key, naming its deployment, and
// returns the version id.
func upload(ctx context.Context, t *Target, key string, body []byte, id string) (string, error) {
	out, err := t.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(t.Names.ConfigBucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String("application/yaml"),
		Metadata:    map[string]string{workflow.MetadataDeploymentID: id},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// uploadFiles puts the files the config's ${file()} variables read beside the config's key,
// before the config itself, whose upload starts the deployment that reads them.
func uploadFiles(ctx context.Context, t *Target, file, key string, body []byte, stage string, stdout io.Writer) error {
	dir := config.DirFiles(filepath.Dir(file))
	for _, name := range config.FilesRead(ctx, body, config.Options{Stage: stage, File: file, Files: dir}) {
		data, err := dir.ReadFile(ctx, name)
		if err != nil {
			return err
		}
		dest := path.Join(path.Dir(key), name)
		if _, err := t.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(t.Names.ConfigBucket), Key: aws.String(dest), Body: bytes.NewReader(data)}); err != nil {
			return fmt.Errorf("upload s3://%s/%s: %w", t.Names.ConfigBucket, dest, err)
		}
		fmt.Fprintf(stdout, "uploaded %s to s3://%s/%s\n", filepath.Join(filepath.Dir(file), name), t.Names.ConfigBucket, dest)
	}
	return nil
}
