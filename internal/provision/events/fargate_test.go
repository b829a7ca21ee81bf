package events

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

var (
	connID    = plan.ContainerID("jobs", plan.SuffixEventConnection)
	destID    = plan.ApiDestinationID("jobs", "nightly")
	rolesID   = plan.ContainerID("jobs", plan.SuffixEventsRole)
	testKey   = []byte("installation key")
	eventRole = "arn:aws:iam::" + motoserver.Account + ":role/berth-shop-dev-jobs-events-role-abc123"
)

// fargateEnv resolves the refs of a Fargate container's integration resources.
func fargateEnv(connArn, destArn string) provision.Env {
	return provision.Env{App: "shop", Stage: "dev", Account: motoserver.Account, Region: testRegion, FingerprintKey: testKey,
		Refs: provision.OutputsByID{
			connID:              {plan.AttrArn: connArn},
			destID:              {plan.AttrArn: destArn},
			rolesID:             {plan.AttrArn: eventRole},
			plan.IDDistribution: {plan.AttrDomainName: "d111111abcdef8.cloudfront.net"},
		}}
}

func resource(t *testing.T, id string, kind plan.Kind, name string, props any) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: kind, Container: "jobs", Name: name, Region: testRegion, Props: raw}
}

func connResource(t *testing.T, name, header string) plan.Resource {
	return resource(t, connID, plan.KindEventConnection, name, plan.EventConnectionProps{Credential: plan.CredentialHeader{
		Name: header, Container: "jobs", Fingerprint: plan.WebhookFingerprint(testKey, "shop", "dev", "jobs")}})
}

func (m *moto) conns() ConnectionClients {
	return func(region string) ConnectionsAPI { return m.clients(region).Connections }
}

func TestAConnectionFollowsTheProvisionerContract(t *testing.T) {
	m := newMoto(t)
	name := uniqueName("berth-shop-dev-jobs-conn")
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewConnection(m.conns()), Env: fargateEnv("", ""), Calls: m.calls,
		Initial:       connResource(t, name, plan.WebhookKeyHeader),
		Updated:       connResource(t, name, "x-other-key"),
		UpdatedFields: []string{"header"},
		OutOfBand: func(ctx context.Context) error { // another credential, as a rotation elsewhere would leave it
			_, err := m.events.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String(name),
				Description: aws.String(ownerMarker(fargateEnv("", ""), connResource(t, name, "")) + " credential 0000")})
			return err
		},
		DriftField: "credential",
	})
}

// EventBridge receives the key the listener rule requires; berth's outputs and
// observations never carry it, and without the installation's key nothing is created.
func TestAConnectionHoldsTheDerivedCredentialWhichBerthNeverReturns(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name := uniqueName("berth-shop-dev-jobs-conn")
	p, r := NewConnection(m.conns()), connResource(t, name, plan.WebhookKeyHeader)
	cred := plan.WebhookCredential(testKey, "shop", "dev", "jobs")

	noKey := fargateEnv("", "")
	noKey.FingerprintKey = nil
	if _, err := p.Create(ctx, noKey, r); err == nil || !strings.Contains(err.Error(), "secret key") {
		t.Fatalf("create without the installation key: %v", err)
	}
	if obs, err := p.Observe(ctx, fargateEnv("", ""), r); err != nil || obs.Exists {
		t.Fatalf("a refused create left a connection: %+v %v", obs, err)
	}
	otherKey := fargateEnv("", "")
	otherKey.FingerprintKey = []byte("another key")
	if _, err := p.Create(ctx, otherKey, r); err == nil || !strings.Contains(err.Error(), "plan again") {
		t.Fatalf("create with a key other than the plan's: %v", err)
	}

	out, err := p.Create(ctx, fargateEnv("", ""), r)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := p.Observe(ctx, fargateEnv("", ""), r)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := json.Marshal([]any{out, obs}); strings.Contains(string(all), cred) {
		t.Fatalf("outputs or observation carry the credential: %s", all)
	}
	// The secret EventBridge keeps for the connection (moto stores what CreateConnection
	// received, as EventBridge does — eb-target-connection.html).
	d, err := m.events.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := motoserver.Shared.AWSConfig(ctx, testRegion)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := sm.NewFromConfig(cfg).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: d.SecretArn})
	if err != nil {
		t.Fatal(err)
	}
	if s := aws.ToString(secret.SecretString); !strings.Contains(s, cred) || !strings.Contains(s, plan.WebhookKeyHeader) {
		t.Fatalf("the connection's secret does not hold the derived credential under %s", plan.WebhookKeyHeader)
	}
	if err := p.Delete(ctx, fargateEnv("", ""), r); err != nil {
		t.Fatal(err)
	}
}

func TestAConnectionBerthDidNotMarkIsNeverTouched(t *testing.T) {
	m := newMoto(t)
	name := uniqueName("berth-shop-dev-jobs-conn")
	provtest.NotOwned(t, NewConnection(m.conns()), fargateEnv("", ""), connResource(t, name, plan.WebhookKeyHeader), func(ctx context.Context) error {
		_, err := m.events.CreateConnection(ctx, &eb.CreateConnectionInput{Name: aws.String(name), Description: aws.String("someone else's"),
			AuthorizationType: types.ConnectionAuthorizationTypeApiKey, AuthParameters: &types.CreateConnectionAuthRequestParameters{
				ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-key"), ApiKeyValue: aws.String("v")}}})
		return err
	})
}

func destResource(t *testing.T, name, path string) plan.Resource {
	return resource(t, destID, plan.KindApiDestination, name, plan.ApiDestinationProps{
		Connection: plan.Ref{ID: connID, Attr: plan.AttrArn}, Domain: plan.Ref{ID: plan.IDDistribution, Attr: plan.AttrDomainName},
		Path: path, Method: "POST"})
}

// connection creates berth's connection for the destination and rule tests.
func (m *moto) connection(t *testing.T) string {
	t.Helper()
	out, err := NewConnection(m.conns()).Create(context.Background(), fargateEnv("", ""), connResource(t, uniqueName("berth-shop-dev-jobs-conn"), plan.WebhookKeyHeader))
	if err != nil {
		t.Fatal(err)
	}
	return out[plan.AttrArn]
}

func TestAnApiDestinationFollowsTheProvisionerContract(t *testing.T) {
	m := newMoto(t)
	name := uniqueName("berth-shop-dev-jobs-dest-nightly")
	conn := m.connection(t)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewApiDestination(m.conns()), Env: fargateEnv(conn, ""), Calls: m.calls,
		Initial:       destResource(t, name, "/events"),
		Updated:       destResource(t, name, "/jobs/nightly"),
		UpdatedFields: []string{"endpoint"},
		OutOfBand: func(ctx context.Context) error { // deliveries sent elsewhere
			_, err := m.events.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{Name: aws.String(name),
				InvocationEndpoint: aws.String("https://attacker.example/jobs/nightly")})
			return err
		},
		DriftField: "endpoint",
	})
}

func TestAnApiDestinationBerthDidNotMarkIsNeverTouched(t *testing.T) {
	m := newMoto(t)
	name := uniqueName("berth-shop-dev-jobs-dest-nightly")
	conn := m.connection(t)
	provtest.NotOwned(t, NewApiDestination(m.conns()), fargateEnv(conn, ""), destResource(t, name, "/events"), func(ctx context.Context) error {
		_, err := m.events.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{Name: aws.String(name), ConnectionArn: aws.String(conn),
			InvocationEndpoint: aws.String("https://example.com/"), HttpMethod: types.ApiDestinationHttpMethodPost})
		return err
	})
}

func scheduledRule(t *testing.T, name, expr string) plan.Resource {
	return resource(t, plan.EventRuleID("jobs", "nightly"), plan.KindEventRule, name, plan.EventRuleProps{
		Schedule: expr, ApiDestination: &plan.Ref{ID: destID, Attr: plan.AttrArn}, Role: &plan.Ref{ID: rolesID, Attr: plan.AttrArn},
		Input: `{"source":"berth.schedule","integration":"nightly"}`})
}

// A scheduled rule delivers berth's event to the API destination as the events role; a
// target that lost its role or its input is drift.
func TestAScheduledRuleTargetsItsApiDestinationAsItsRole(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	conn := m.connection(t)
	dest, err := NewApiDestination(m.conns()).Create(ctx, fargateEnv(conn, ""), destResource(t, uniqueName("berth-shop-dev-jobs-dest-nightly"), "/events"))
	if err != nil {
		t.Fatal(err)
	}
	env := fargateEnv(conn, dest[plan.AttrArn])
	name := uniqueName("berth-shop-dev-jobs-evt-nightly")
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewRule(m.clients), Env: env, Calls: m.calls,
		Initial:       scheduledRule(t, name, "rate(1 day)"),
		Updated:       scheduledRule(t, name, "cron(0 3 * * ? *)"),
		UpdatedFields: []string{"schedule"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.events.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String(name), Targets: []types.Target{
				{Id: aws.String(targetID), Arn: aws.String(dest[plan.AttrArn])}}})
			return err
		},
		DriftField: "targets",
	})
}
