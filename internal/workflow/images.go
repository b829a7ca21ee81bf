package workflow

import (
	"context"
	"errors"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/images"
)

// ImageResolver pins an image tag to its digest (internal/images.Resolver satisfies it).
type ImageResolver interface {
	Resolve(ctx context.Context, img images.Image) (images.Result, error)
}

// pinImages swaps each container's image for its digest form, so the plan (which stays
// AWS-free) sees a re-pushed tag as a changed image and the applied state records
// exactly what ran. Images berth cannot deploy fail as one *ConfigError before anything
// changes. Without an ImageResolver (no AWS access) the tags are kept.
func (d *Deps) pinImages(ctx context.Context, c Ctx, cfg *config.Config) error {
	if d.Images == nil {
		return nil
	}
	var problems []string
	for i, ct := range cfg.Containers {
		if ct.Image == "" {
			continue // built from src in the account; its build pins the digest
		}
		res, err := d.Images.Resolve(ctx, images.Image{Container: ct.Name, URI: ct.Image, Lambda: ct.Compute.Type == config.ComputeLambda})
		var ie *images.Error
		if errors.As(err, &ie) {
			problems = append(problems, c.Key+": "+ie.Error())
			continue
		}
		if err != nil {
			return err
		}
		if res.Warning != "" {
			d.log(c, "images").Warn(res.Warning)
		}
		cfg.Containers[i].Image = res.URI
	}
	if len(problems) > 0 {
		return &ConfigError{Message: strings.Join(problems, "\n")}
	}
	return nil
}
