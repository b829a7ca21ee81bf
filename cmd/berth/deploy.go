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
	"github.com/berth-dev/berth/internal/stage"
)

func init() {
	register("deploy", "upload a config to berth's config bucket and follow the deployment it starts", runDeploy)
}

// runDeploy validates a config offline (nothing is uploaded when it is invalid), packs and
// uploads the src of containers that name no image (stage.SourceStore: only archives the
// artifacts bucket does not hold yet), uploads the config to
// <app>/<stage>/serverless.containers.yml with the deployment id and the source manifest
// in the object's metadata, and follows that deployment's record until it ends.
func runDeploy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy", "-f FILE --stage S [--no-wait] [--timeout 2h] [--output text|json] [--stack NAME] [--profile P] [--region R]", stderr)
	file := fileFlag(fs)
	stageName := fs.String("stage", "", "stage to deploy to (required)")
	ff := addFollowFlags(fs)
	tf := addTargetFlags(fs, needConfigBucket|needState)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case *file == "":
		return usageError(fs, "-f FILE is required")
	case *stageName == "":
		return usageError(fs, "--stage is required")
	case !validStage(*stageName):
		return usageError(fs, "--stage %q %s", *stageName, config.StageNameProblem(*stageName))
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
	cfg, code := loadConfig(*file, *stageName, stderr)
	if cfg == nil {
		return code
	}
	// Checked before the upload, so a doomed config never starts a deployment.
	if problems := stage.Deployable(cfg); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p.Format(*file))
		}
		return exitFail
	}
	if err := stage.CheckSrc(cfg, filepath.Dir(*file)); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *file, err)
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
	app, stg := cfg.Name, *stageName
	key := stage.Key(app, stg)
	manifest, err := uploadSources(ctx, t, cfg, *file, app, stg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "berth deploy: %v\n", err)
		return exitFail
	}
	if err := uploadFiles(ctx, t, *file, key, body, stg, stdout); err != nil {
		fmt.Fprintf(stderr, "berth deploy: %v\n", err)
		return exitFail
	}
	version, err := stage.Submit(ctx, stage.S3ConfigBucket{Client: t.S3, Bucket: t.Names.ConfigBucket}, app, stg, body, id, manifest)
	if err != nil {
		fmt.Fprintf(stderr, "berth deploy: upload s3://%s/%s: %v\n", t.Names.ConfigBucket, key, err)
		return exitFail
	}
	fmt.Fprintf(stdout, "uploaded %s to s3://%s/%s (version %s)\n", *file, t.Names.ConfigBucket, key, orText(version, "-"))
	fmt.Fprintf(stdout, "deployment %s of %s/%s\n", id, app, stg)
	if ff.noWait {
		fmt.Fprintf(stdout, "not following (--no-wait): see berth status --app %s --stage %s, or berth history\n", app, stg)
		return exitOK
	}
	wt := &watch{t: t, app: app, stage: stg, id: id, w: stdout, start: start, key: key, version: version}
	return wt.run(ctx, ff.timeout)
}

func validStage(stage string) bool { return config.StageNameProblem(stage) == "" }

func validApp(app string) bool { return config.AppNameProblem(app) == "" }

// uploadSources packs and uploads each src (relative to the config file) and returns the
// source manifest's key for the config's metadata.
func uploadSources(ctx context.Context, t *Target, cfg *config.Config, file, app, stg string, stdout io.Writer) (string, error) {
	store := stage.SourceStore{Client: t.S3, ConfigBucket: t.Names.ConfigBucket, ArtifactsBucket: t.Names.ArtifactsBucket}
	manifest, packed, err := store.Upload(ctx, cfg, filepath.Dir(file), app, stg)
	for _, p := range packed {
		verb := "uploaded"
		if !p.Uploaded {
			verb = "unchanged"
		}
		fmt.Fprintf(stdout, "source %s: %s (%d files, %s) %s s3://%s/%s\n", p.Container, p.Dir, p.Archive.Files, builder(p.Archive.Dockerfile), verb, t.Names.ArtifactsBucket, p.Key)
	}
	return manifest, err
}

// builder names how a source is built.
func builder(dockerfile bool) string {
	if dockerfile {
		return "Dockerfile"
	}
	return "buildpacks"
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
