// Package stage holds the rules of an app/stage that every front door shares: the CLI
// (cmd/berth), the HTTP API (internal/api), the workflow (internal/workflow) and the local
// runtime (internal/localrun). Where a config lives, where its containers' sources live
// (SourceStore), what makes it deployable, what deploying it would do, what a stage runs,
// and how a deployment or removal is started are written here once; the doors only
// translate to flags, HTTP codes and payloads.
package stage

import (
	"regexp"

	"github.com/berth-dev/berth/internal/config"
)

// MetadataDeploymentID is the S3 object metadata key a submitted config carries, so the
// deployment id the CLI or API returned is the one the triggered execution uses.
const MetadataDeploymentID = "berth-deployment-id"

// Key is where the config of app/stage lives in the config bucket; uploading there
// starts a deployment.
func Key(app, stage string) string { return app + "/" + stage + "/serverless.containers.yml" }

var keyPattern = regexp.MustCompile(`^([^/]+)/([^/]+)/serverless\.containers\.ya?ml$`)

// ParseKey splits "<app>/<stage>/serverless.containers.yml"; app and stage follow the
// config's own rules (config.AppNameProblem, config.StageNameProblem).
func ParseKey(key string) (app, stage string, ok bool) {
	m := keyPattern.FindStringSubmatch(key)
	if m == nil || config.AppNameProblem(m[1]) != "" || config.StageNameProblem(m[2]) != "" {
		return "", "", false
	}
	return m[1], m[2], true
}

// KeyRule says where configs are deployed from, for an error about a key that is not one.
const KeyRule = "configs are deployed from <app>/<stage>/serverless.containers.yml (app: 3-16 letters, digits, hyphens and underscores; stage: 1-16 lowercase letters, digits and hyphens, starting with a letter)"
