package plan

// EnvValue is one environment variable as stored in a plan. Secret values (from ${env:} or
// ${ssm:}) are kept as a reference plus a salted fingerprint, never in clear: the deployer
// re-resolves Ref at apply time. Fingerprint lets a diff notice a changed secret.
type EnvValue struct {
	Value       string `json:"value,omitempty"`
	Ref         string `json:"ref,omitempty"`         // e.g. "ssm:/db/url", "env:API_KEY"
	Fingerprint string `json:"fingerprint,omitempty"` // hex HMAC-SHA256 (Fingerprint), "" when unresolved
}

// LogGroupProps: AWS::Logs::LogGroup.
type LogGroupProps struct {
	RetentionDays int `json:"retentionDays"`
}

// RoleProps: AWS::IAM::Role created and owned by berth.
type RoleProps struct {
	// TrustServices are the service principals allowed to assume the role.
	TrustServices []string `json:"trustServices"`
	// ManagedPolicyArns are AWS managed policies attached (with the partition placeholder
	// resolved), e.g. AWSLambdaBasicExecutionRole.
	ManagedPolicyArns []string `json:"managedPolicyArns,omitempty"`
	// InlinePolicy is the container's awsIam.customPolicy document, verbatim, or for the
	// Fargate execution role the read grant of its tasks' secrets.
	InlinePolicy map[string]any `json:"inlinePolicy,omitempty"`
}

// RoleRef is either a role berth owns (Ref) or a given role ARN used as is (Arn).
type RoleRef struct {
	Ref *Ref   `json:"ref,omitempty"`
	Arn string `json:"arn,omitempty"`
}
