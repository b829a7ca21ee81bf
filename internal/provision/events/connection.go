package events

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// ConnectionsAPI is the part of the EventBridge SDK client the connection and API
// destination kinds call; the real *eventbridge.Client satisfies it.
type ConnectionsAPI interface {
	DescribeConnection(ctx context.Context, in *eb.DescribeConnectionInput, opts ...func(*eb.Options)) (*eb.DescribeConnectionOutput, error)
	CreateConnection(ctx context.Context, in *eb.CreateConnectionInput, opts ...func(*eb.Options)) (*eb.CreateConnectionOutput, error)
	UpdateConnection(ctx context.Context, in *eb.UpdateConnectionInput, opts ...func(*eb.Options)) (*eb.UpdateConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *eb.DeleteConnectionInput, opts ...func(*eb.Options)) (*eb.DeleteConnectionOutput, error)
	DescribeApiDestination(ctx context.Context, in *eb.DescribeApiDestinationInput, opts ...func(*eb.Options)) (*eb.DescribeApiDestinationOutput, error)
	CreateApiDestination(ctx context.Context, in *eb.CreateApiDestinationInput, opts ...func(*eb.Options)) (*eb.CreateApiDestinationOutput, error)
	UpdateApiDestination(ctx context.Context, in *eb.UpdateApiDestinationInput, opts ...func(*eb.Options)) (*eb.UpdateApiDestinationOutput, error)
	DeleteApiDestination(ctx context.Context, in *eb.DeleteApiDestinationInput, opts ...func(*eb.Options)) (*eb.DeleteApiDestinationOutput, error)
}

// ConnectionClients returns the connection API client for a region.
type ConnectionClients func(region string) ConnectionsAPI

// Connection and API destination states that can be depended on (EventBridge API
// reference, ConnectionState and ApiDestinationState).
var (
	connectionReady  = map[types.ConnectionState]bool{types.ConnectionStateAuthorized: true, types.ConnectionStateActive: true}
	destinationReady = types.ApiDestinationStateActive
)

// errNoKey: the credential is derived from the installation's key, which this run lacks.
var errNoKey = errors.New("the installation's secret key is not available: the webhook credential cannot be derived")

type connCall = provision.Call[ConnectionsAPI, plan.EventConnectionProps]

// liveConnection is what DescribeConnection returns that berth checks. The API key's value
// is never returned (DescribeConnection's ApiKeyAuthParameters holds ApiKeyName only), so
// the description carries the credential's fingerprint: a rotated key is a diff.
type liveConnection struct {
	arn, description, authType, keyName, state string
}

// NewConnection returns the provisioner of plan.KindEventConnection: an API_KEY connection
// whose key is the container's plan.WebhookCredential. The credential is derived when
// EventBridge needs it and never returned, logged or stored by berth.
func NewConnection(clients ConnectionClients) provision.Provisioner {
	return provision.Adapt(provision.Kind[ConnectionsAPI, plan.EventConnectionProps, liveConnection]{
		Clients: clients,
		Find: func(ctx context.Context, c *connCall) (*liveConnection, error) {
			out, err := c.API.DescribeConnection(ctx, &eb.DescribeConnectionInput{Name: aws.String(c.R.Name)})
			if err != nil {
				return nil, err
			}
			l := &liveConnection{arn: aws.ToString(out.ConnectionArn), description: aws.ToString(out.Description),
				authType: string(out.AuthorizationType), state: string(out.ConnectionState)}
			if out.AuthParameters != nil && out.AuthParameters.ApiKeyAuthParameters != nil {
				l.keyName = aws.ToString(out.AuthParameters.ApiKeyAuthParameters.ApiKeyName)
			}
			return l, nil
		},
		Owned: func(c *connCall, l *liveConnection) bool {
			marker, _, _ := strings.Cut(l.description, " ")
			return marker == ownerMarker(c.Env, c.R)
		},
		Diff: func(_ context.Context, c *connCall, l *liveConnection) (provision.Diffs, error) {
			var d provision.Diffs
			d.Add("authorization", types.ConnectionAuthorizationTypeApiKey, l.authType)
			d.Add("header", c.Props.Credential.Name, l.keyName)
			want, err := connDescription(c)
			if err != nil {
				return nil, err
			}
			d.Add("credential", want, l.description)
			return d, nil
		},
		Ready:   func(l *liveConnection) bool { return connectionReady[types.ConnectionState(l.state)] },
		Outputs: func(c *connCall, l *liveConnection) provision.Outputs { return outputs(c.R.Name, l.arn) },
		Create: func(ctx context.Context, c *connCall) (provision.Outputs, error) {
			desc, auth, err := connSettings(c)
			if err != nil {
				return nil, err
			}
			out, err := c.API.CreateConnection(ctx, &eb.CreateConnectionInput{Name: aws.String(c.R.Name), Description: aws.String(desc),
				AuthorizationType: types.ConnectionAuthorizationTypeApiKey, AuthParameters: auth})
			if err != nil {
				return nil, err
			}
			return outputs(c.R.Name, aws.ToString(out.ConnectionArn)), nil
		},
		Converge: func(ctx context.Context, c *connCall, l *liveConnection, _ provision.Diffs) (provision.Outputs, error) {
			desc, auth, err := connSettings(c)
			if err != nil {
				return nil, err
			}
			_, err = c.API.UpdateConnection(ctx, &eb.UpdateConnectionInput{Name: aws.String(c.R.Name), Description: aws.String(desc),
				AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
				AuthParameters:    &types.UpdateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.UpdateConnectionApiKeyAuthRequestParameters{ApiKeyName: auth.ApiKeyAuthParameters.ApiKeyName, ApiKeyValue: auth.ApiKeyAuthParameters.ApiKeyValue}}})
			if err != nil {
				return nil, err
			}
			return outputs(c.R.Name, l.arn), nil
		},
		Remove: func(ctx context.Context, c *connCall, _ *liveConnection) error {
			_, err := c.API.DeleteConnection(ctx, &eb.DeleteConnectionInput{Name: aws.String(c.R.Name)})
			return err
		},
	})
}

// ownerMarker is the description prefix of berth's connections and API destinations,
// which take no tags (Service Authorization Reference, "Amazon EventBridge": connection
// and api-destination have no aws:ResourceTag condition key).
func ownerMarker(env provision.Env, r plan.Resource) string {
	return provision.MarkerPrefix(env.App, env.Stage) + r.ID
}

// connDescription is the marker and the credential's fingerprint: what a plan shows of
// it, safe to read (plan.Fingerprint).
func connDescription(c *connCall) (string, error) {
	fp := c.Props.Credential.Fingerprint
	if fp == "" { // planned without the key: the deployer has it
		if len(c.Env.FingerprintKey) == 0 {
			return "", errNoKey
		}
		fp = plan.WebhookFingerprint(c.Env.FingerprintKey, c.Env.App, c.Env.Stage, c.Props.Credential.Container)
	}
	return ownerMarker(c.Env, c.R) + " credential " + fp, nil
}

// connSettings derives the credential and checks it is the one the plan fingerprinted: a
// plan made with another key must not deploy a credential its listener rule lacks.
func connSettings(c *connCall) (string, *types.CreateConnectionAuthRequestParameters, error) {
	key := c.Env.FingerprintKey
	if len(key) == 0 {
		return "", nil, errNoKey
	}
	cr := c.Props.Credential
	cred := plan.WebhookCredential(key, c.Env.App, c.Env.Stage, cr.Container)
	if cr.Fingerprint != "" && cr.Fingerprint != plan.WebhookFingerprint(key, c.Env.App, c.Env.Stage, cr.Container) {
		return "", nil, errors.New("the plan's webhook credential fingerprint was made with another installation key: plan again")
	}
	desc, err := connDescription(c)
	return desc, &types.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
		ApiKeyName: aws.String(cr.Name), ApiKeyValue: aws.String(cred)}}, err
}
