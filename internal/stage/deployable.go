package stage

import (
	"fmt"

	"github.com/berth-dev/berth/internal/config"
)

// Deployable lists what a deployment would refuse in a valid config: a container with no
// image (berth deploys prebuilt images), a name that cannot be an app, and the config's
// own refusals. Each door formats the list the way it formats validation errors.
func Deployable(cfg *config.Config) []config.Diagnostic {
	var out []config.Diagnostic
	for _, ct := range cfg.Containers {
		if ct.Image == "" {
			out = append(out, config.Diagnostic{Path: "containers." + ct.Name,
				Message: fmt.Sprintf("has no image: berth deploys prebuilt images and does not build from src; push the image to ECR and set containers.%s.image to its URI", ct.Name)})
		}
	}
	if problem := config.AppNameProblem(cfg.Name); problem != "" {
		out = append(out, config.Diagnostic{Message: fmt.Sprintf("name %q cannot be deployed: it %s", cfg.Name, problem)})
	}
	return append(out, cfg.Refusals...)
}
