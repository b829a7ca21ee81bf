package stage

import (
	"fmt"

	"github.com/berth-dev/berth/internal/config"
)

// Deployable lists what a deployment would refuse in a valid config: a name that cannot
// be an app, and the config's own refusals. A container with src and no image is
// deployable: the deployer builds its image in the account (a build plan node). Each
// door formats the list the way it formats validation errors.
func Deployable(cfg *config.Config) []config.Diagnostic {
	var out []config.Diagnostic
	if problem := config.AppNameProblem(cfg.Name); problem != "" {
		out = append(out, config.Diagnostic{Message: fmt.Sprintf("name %q cannot be deployed: it %s", cfg.Name, problem)})
	}
	return append(out, cfg.Refusals...)
}
