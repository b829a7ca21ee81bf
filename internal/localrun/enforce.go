package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/berth-dev/berth/internal/iamcheck"
	"github.com/berth-dev/berth/internal/motoserver"
)

// AdminUser is the emulator user the local runtime itself (bootstrap, uploads, starting
// executions, reading reports) calls with once enforcement is on.
const AdminUser = "berth-local-admin"

// projectionPolicy is the inline policy of each function's role in the emulator.
const projectionPolicy = "berth-template-actions"

// motoAliases: for some calls moto checks an action name IAM does not use, because moto
// names the action after the API operation. Each IAM action in a role's projection also
// grants the moto names listed for it, so the projection stays the template's actions.
var motoAliases = map[string][]string{
	// CreateDistributionWithTags is an API operation; IAM authorizes it as
	// cloudfront:CreateDistribution plus cloudfront:TagResource (Service Authorization
	// Reference, Amazon CloudFront: CreateDistributionWithTags has no action of its own).
	"cloudfront:CreateDistribution": {"cloudfront:CreateDistributionWithTags"},
}

// motoPrefixes: moto takes an action's service prefix from the SigV4 signing name, which
// for these services differs from the IAM prefix (the SDK's service models: CloudWatch
// signs as "monitoring", the Resource Groups Tagging API as "tagging"; the Service
// Authorization Reference prefixes are "cloudwatch" and "tag").
var motoPrefixes = map[string]string{"cloudwatch": "monitoring", "tag": "tagging"}

// motoNames is an IAM action and the names moto checks for it.
func motoNames(action string) []string {
	names := append([]string{action}, motoAliases[action]...)
	if prefix, name, ok := strings.Cut(action, ":"); ok && motoPrefixes[prefix] != "" {
		names = append(names, motoPrefixes[prefix]+":"+name)
	}
	return names
}

// emulatorIAM is berth's own roles in moto with moto's enforcement on: each function's
// role carries an action-only projection of its template.yaml policies, and each handler
// calls with credentials of its role, assumed through STS.
//
// Why a projection: moto 5.2.1 (moto/iam/access_control.py) treats an Allow statement
// with a Condition as a deny when the request lacks the key, and compares Resource only
// for S3, so template.yaml's statements verbatim would deny nearly every call. moto
// checks the action; internal/iamcheck checks resources and conditions.
type emulatorIAM struct {
	client *iam.Client // as the admin user
	mu     sync.Mutex
	roles  map[string]string   // function → role name
	grants map[string][]string // role name → allowed actions (template names)
	creds  map[string]aws.Credentials
}

// enforceIAM creates the admin user and the functions' roles in the emulator, assumes
// each role, turns enforcement on and switches e.AWS to the admin user. Everything the
// harness needs must exist before: from here on every unsigned or unknown caller fails.
func (e *Env) enforceIAM(ctx context.Context, tpl *iamcheck.Template) (*emulatorIAM, error) {
	pols, err := tpl.FunctionPolicies()
	if err != nil {
		return nil, err
	}
	c := iam.NewFromConfig(e.AWS)
	admin, err := createAdmin(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", AdminUser, err)
	}
	adminCfg := e.AWS.Copy()
	adminCfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, ""))
	m := &emulatorIAM{client: iam.NewFromConfig(adminCfg), roles: map[string]string{}, grants: map[string][]string{}, creds: map[string]aws.Credentials{}}
	stsc := sts.NewFromConfig(e.AWS)
	for fn, p := range pols {
		role := FunctionPrefix + p.Role
		if err := m.createRole(ctx, c, role, allowedActions(p.Statements)); err != nil {
			return nil, fmt.Errorf("create role %s for %s: %w", role, fn, err)
		}
		out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleArn(role)), RoleSessionName: aws.String(fn)})
		if err != nil {
			return nil, fmt.Errorf("assume %s: %w", role, err)
		}
		m.roles[fn] = role
		m.creds[fn] = aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey,
			SessionToken: *out.Credentials.SessionToken}
	}
	for _, fn := range append([]string{"Drift"}, Functions...) {
		if _, ok := m.creds[FunctionName(fn)]; !ok {
			return nil, fmt.Errorf("template.yaml has no function %s: the local runtime runs its handler", FunctionName(fn))
		}
	}
	if err := e.setAuth("0"); err != nil {
		return nil, err
	}
	e.AWS = adminCfg
	return m, nil
}

func roleArn(name string) string { return "arn:aws:iam::" + motoserver.Account + ":role/" + name }

func createAdmin(ctx context.Context, c *iam.Client) (aws.Credentials, error) {
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(AdminUser)}); err != nil {
		return aws.Credentials{}, err
	}
	all := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(AdminUser), PolicyName: aws.String("all"), PolicyDocument: aws.String(all)}); err != nil {
		return aws.Credentials{}, err
	}
	out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(AdminUser)})
	if err != nil {
		return aws.Credentials{}, err
	}
	return aws.Credentials{AccessKeyID: *out.AccessKey.AccessKeyId, SecretAccessKey: *out.AccessKey.SecretAccessKey}, nil
}

// setAuth posts moto's reset-auth: "0" enforces from the next request on.
func (e *Env) setAuth(count string) error {
	resp, err := http.Post(e.Moto.Endpoint+"/moto-api/reset-auth", "text/plain", strings.NewReader(count))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("moto reset-auth: %s: %s", resp.Status, b)
	}
	return nil
}

// createRole creates a Lambda role (the template's trust policy) with the projection.
func (m *emulatorIAM) createRole(ctx context.Context, c *iam.Client, role string, actions []string) error {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return err
	}
	return m.grant(ctx, c, role, actions)
}

// grant (re)writes a role's projection: the allowed actions and their moto aliases, on
// any resource.
func (m *emulatorIAM) grant(ctx context.Context, c *iam.Client, role string, actions []string) error {
	var all []string
	for _, a := range actions {
		all = append(all, motoNames(a)...)
	}
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17",
		"Statement": []any{map[string]any{"Effect": "Allow", "Action": all, "Resource": "*"}}})
	if err != nil {
		return err
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(projectionPolicy), PolicyDocument: aws.String(string(doc))}); err != nil {
		return err
	}
	m.mu.Lock()
	m.grants[role] = actions
	m.mu.Unlock()
	return nil
}

// revoke removes one action from a function's projection in the emulator (the template
// is unchanged), as if the template did not grant it.
func (m *emulatorIAM) revoke(ctx context.Context, function, action string) error {
	m.mu.Lock()
	role := m.roles[function]
	kept := slices.DeleteFunc(slices.Clone(m.grants[role]), func(a string) bool { return a == action })
	m.mu.Unlock()
	if role == "" {
		return fmt.Errorf("%s: no such function in template.yaml", function)
	}
	return m.grant(ctx, m.client, role, kept)
}

// config is base with the function's assumed-role credentials.
func (m *emulatorIAM) config(base aws.Config, function string) aws.Config {
	cfg := base.Copy()
	c := m.creds[function]
	cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
	return cfg
}

// allowedActions: every action an Allow statement names, whatever its Resource or
// Condition (iamcheck judges those). Deny statements are left out: moto would apply them
// regardless of their conditions.
func allowedActions(sts []iamcheck.Statement) []string {
	var out []string
	for _, s := range sts {
		if s.Effect == "Allow" {
			out = append(out, s.Action...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
