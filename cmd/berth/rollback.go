package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/berth-dev/berth/internal/stage"
)

func init() {
	register("rollback", "re-deploy an earlier config version from the versioned config bucket", runRollback)
}

// runRollback re-deploys the config version before the applied one (or --to VERSION): it
// copies that version over the config key as a new latest version, so the ordinary
// trigger deploys it and the bucket's history records the rollback, then follows it.
func runRollback(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rollback", "--app A --stage S [--to VERSION] [--no-wait] [--timeout 2h] [--output text|json] [--stack NAME] [--profile P] [--region R]", stderr)
	as := addAppStageFlags(fs, false)
	to := fs.String("to", "", "config version id to deploy (default: the version before the applied one; see berth history)")
	ff := addFollowFlags(fs)
	tf := addTargetFlags(fs, needConfigBucket|needState)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if code, ok := as.check(fs, stderr); !ok {
		return code
	}
	if ff.timeout <= 0 {
		return usageError(fs, "--timeout must be positive")
	}
	out, ok := ff.writer(stdout)
	if !ok {
		return usageError(fs, "--output must be text or json, not %q", ff.output)
	}
	stdout = out
	app, stg := *as.app, *as.stage
	start := time.Now()
	ctx, cancel := interruptible()
	defer cancel()
	t, err := tf.resolve(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "berth rollback: %v\n", err)
		return exitFail
	}
	applied, err := t.Store.LoadApplied(ctx, app, stg)
	if err != nil {
		fmt.Fprintf(stderr, "berth rollback: %v\n", err)
		return exitFail
	}
	key, current := stage.Key(app, stg), ""
	if applied != nil {
		current = applied.ConfigVersion
		if applied.ConfigKey != "" {
			key = applied.ConfigKey
		}
	}
	versions, err := configVersions(ctx, t, key)
	if err != nil {
		fmt.Fprintf(stderr, "berth rollback: list the versions of s3://%s/%s: %v\n", t.Names.ConfigBucket, key, err)
		return exitFail
	}
	target, err := pickVersion(versions, current, *to)
	if err != nil {
		fmt.Fprintf(stderr, "berth rollback: %s/%s: %v\n", app, stg, err)
		return exitFail
	}
	id := newDeploymentID()
	newVersion, err := copyVersion(ctx, t, key, target.id, id)
	if err != nil {
		fmt.Fprintf(stderr, "berth rollback: copy version %s of s3://%s/%s: %v\n", target.id, t.Names.ConfigBucket, key, err)
		return exitFail
	}
	fmt.Fprintf(stdout, "rolling %s/%s back to config version %s (uploaded %s): copied as version %s\n",
		app, stg, target.id, when(target.modified), orText(newVersion, "-"))
	fmt.Fprintf(stdout, "deployment %s of %s/%s\n", id, app, stg)
	if ff.noWait {
		fmt.Fprintf(stdout, "not following (--no-wait): see berth status --app %s --stage %s\n", app, stg)
		return exitOK
	}
	wt := &watch{t: t, app: app, stage: stg, id: id, w: stdout, start: start, key: key, version: newVersion}
	return wt.run(ctx, ff.timeout)
}

// objectVersion is one stored version of the config key.
type objectVersion struct {
	id       string
	modified time.Time
}

// configVersions lists the key's versions, newest first (delete markers left out).
func configVersions(ctx context.Context, t *Target, key string) ([]objectVersion, error) {
	var out []objectVersion
	p := s3.NewListObjectVersionsPaginator(t.S3, &s3.ListObjectVersionsInput{Bucket: aws.String(t.Names.ConfigBucket), Prefix: aws.String(key)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			if aws.ToString(v.Key) == key {
				out = append(out, objectVersion{id: aws.ToString(v.VersionId), modified: aws.ToTime(v.LastModified)})
			}
		}
	}
	// S3 lists a key's versions newest first; sort anyway (stable, so equal times keep
	// S3's order), since "the one before" depends on it.
	sort.SliceStable(out, func(i, j int) bool { return out[i].modified.After(out[j].modified) })
	return out, nil
}

// pickVersion chooses the version to roll back to: to when given (it must exist), else
// the newest version older than current (the applied one).
func pickVersion(versions []objectVersion, current, to string) (objectVersion, error) {
	if to != "" {
		for _, v := range versions {
			if v.id == to {
				return v, nil
			}
		}
		return objectVersion{}, fmt.Errorf("the config has no version %q (berth history lists the versions deployed)", to)
	}
	if current == "" {
		return objectVersion{}, errors.New("nothing is deployed, so there is no previous version: pass --to VERSION")
	}
	for i, v := range versions {
		if v.id == current {
			if i+1 == len(versions) {
				return objectVersion{}, fmt.Errorf("the applied config version %s is the oldest one stored: there is nothing earlier to roll back to", current)
			}
			return versions[i+1], nil
		}
	}
	return objectVersion{}, fmt.Errorf("the applied config version %s is no longer in the bucket: pass --to VERSION", current)
}

// copyVersion copies version of key over key as its newest version, naming the deployment
// the copy starts in the metadata (REPLACE: the old version's id must not carry over).
func copyVersion(ctx context.Context, t *Target, key, version, id string) (string, error) {
	src := (&url.URL{Path: t.Names.ConfigBucket + "/" + key}).EscapedPath() + "?versionId=" + url.QueryEscape(version)
	out, err := t.S3.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(t.Names.ConfigBucket), Key: aws.String(key), CopySource: aws.String(src),
		MetadataDirective: s3types.MetadataDirectiveReplace,
		ContentType:       aws.String("application/yaml"),
		Metadata:          map[string]string{stage.MetadataDeploymentID: id},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}
