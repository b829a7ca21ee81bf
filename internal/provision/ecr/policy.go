package ecr

// lifecycleRule is one rule of an ECR lifecycle policy
// (docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html).
type lifecycleRule struct {
	RulePriority int               `json:"rulePriority"`
	Description  string            `json:"description"`
	Selection    lifecycleSelector `json:"selection"`
	Action       struct {
		Type string `json:"type"`
	} `json:"action"`
}

type lifecycleSelector struct {
	TagStatus      string   `json:"tagStatus"`
	TagPatternList []string `json:"tagPatternList,omitempty"`
	CountType      string   `json:"countType"`
	CountNumber    int      `json:"countNumber"`
}

// lifecyclePolicy keeps the image tagged LiveTag and the keep most recently pushed images
// (see the package doc for why rule 1 protects the live image).
func lifecyclePolicy(keep int) map[string]any {
	live := lifecycleRule{RulePriority: 1, Description: "berth: never expire the image deployed last (tag " + LiveTag + ")",
		Selection: lifecycleSelector{TagStatus: "tagged", TagPatternList: []string{LiveTag}, CountType: "imageCountMoreThan", CountNumber: 1}}
	live.Action.Type = "expire"
	recent := lifecycleRule{RulePriority: 2, Description: "berth: keep the most recently pushed images",
		Selection: lifecycleSelector{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keep}}
	recent.Action.Type = "expire"
	return map[string]any{"rules": []lifecycleRule{live, recent}}
}

// pullPolicy lets Lambda pull images for the functions matching sourceArn, and nobody
// else through this policy.
func pullPolicy(sourceArn string) map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "BerthLambdaPull",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
			"Action":    []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
			"Condition": map[string]any{"StringLike": map[string]any{"aws:sourceArn": sourceArn}},
		}},
	}
}
