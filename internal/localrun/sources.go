package localrun

import (
	"context"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/stage"
)

// UploadSources packs and uploads the src of the config's containers that name no image,
// relative to file's directory, exactly as berth deploy does (stage.SourceStore.Upload),
// and returns the source manifest's key for the config's metadata. A config that does not
// load offline uploads nothing: the deployment's validate step reports its problems, as
// it would on AWS.
func (e *Env) UploadSources(ctx context.Context, file, app, stg string, body []byte) (string, []stage.Packed, error) {
	cfg, err := config.Load(ctx, body, config.Options{Stage: stg, File: file, Files: config.DirFiles(filepath.Dir(file))})
	if err != nil {
		return "", nil, nil
	}
	store := stage.SourceStore{Client: s3.NewFromConfig(e.AWS, func(o *s3.Options) { o.UsePathStyle = true }),
		ConfigBucket: ConfigBucket, ArtifactsBucket: ArtifactsBucket}
	return store.Upload(ctx, cfg, filepath.Dir(file), app, stg)
}
