package events

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// destWant is an API destination's settings with refs resolved.
type destWant struct {
	connection, endpoint, method string
}

type destCall = provision.Call[ConnectionsAPI, destWant]

// NewApiDestination returns the provisioner of plan.KindApiDestination: POST to the
// distribution's URL + webhookPath with the container's connection. API destinations
// take no tags: berth's carries its marker as the description.
func NewApiDestination(clients ConnectionClients) provision.Provisioner {
	return provision.Adapt(provision.Kind[ConnectionsAPI, destWant, eb.DescribeApiDestinationOutput]{
		Clients: clients,
		Desired: func(_ context.Context, c *destCall) (destWant, error) {
			p, err := provision.Decode[plan.ApiDestinationProps](c.R)
			if err != nil {
				return destWant{}, err
			}
			w := destWant{method: p.Method}
			if w.connection, err = c.Env.Refs.Resolve(p.Connection); err != nil {
				return destWant{}, err
			}
			domain, err := c.Env.Refs.Resolve(p.Domain)
			w.endpoint = "https://" + domain + p.Path
			return w, err
		},
		Find: func(ctx context.Context, c *destCall) (*eb.DescribeApiDestinationOutput, error) {
			return c.API.DescribeApiDestination(ctx, &eb.DescribeApiDestinationInput{Name: aws.String(c.R.Name)})
		},
		Owned: func(c *destCall, l *eb.DescribeApiDestinationOutput) bool {
			return aws.ToString(l.Description) == ownerMarker(c.Env, c.R)
		},
		Diff: func(_ context.Context, c *destCall, l *eb.DescribeApiDestinationOutput) (provision.Diffs, error) {
			var d provision.Diffs
			d.Add("connection", c.Props.connection, aws.ToString(l.ConnectionArn))
			d.Add("endpoint", c.Props.endpoint, aws.ToString(l.InvocationEndpoint))
			d.Add("method", c.Props.method, string(l.HttpMethod))
			return d, nil
		},
		Ready: func(l *eb.DescribeApiDestinationOutput) bool { return l.ApiDestinationState == destinationReady },
		Outputs: func(c *destCall, l *eb.DescribeApiDestinationOutput) provision.Outputs {
			return outputs(c.R.Name, aws.ToString(l.ApiDestinationArn))
		},
		Create: func(ctx context.Context, c *destCall) (provision.Outputs, error) {
			out, err := c.API.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{
				Name: aws.String(c.R.Name), Description: aws.String(ownerMarker(c.Env, c.R)),
				ConnectionArn: aws.String(c.Props.connection), InvocationEndpoint: aws.String(c.Props.endpoint),
				HttpMethod: types.ApiDestinationHttpMethod(c.Props.method),
			})
			if err != nil {
				return nil, err
			}
			return outputs(c.R.Name, aws.ToString(out.ApiDestinationArn)), nil
		},
		Converge: func(ctx context.Context, c *destCall, l *eb.DescribeApiDestinationOutput, _ provision.Diffs) (provision.Outputs, error) {
			_, err := c.API.UpdateApiDestination(ctx, &eb.UpdateApiDestinationInput{
				Name: aws.String(c.R.Name), Description: aws.String(ownerMarker(c.Env, c.R)),
				ConnectionArn: aws.String(c.Props.connection), InvocationEndpoint: aws.String(c.Props.endpoint),
				HttpMethod: types.ApiDestinationHttpMethod(c.Props.method),
			})
			if err != nil {
				return nil, err
			}
			return outputs(c.R.Name, aws.ToString(l.ApiDestinationArn)), nil
		},
		Remove: func(ctx context.Context, c *destCall, _ *eb.DescribeApiDestinationOutput) error {
			_, err := c.API.DeleteApiDestination(ctx, &eb.DeleteApiDestinationInput{Name: aws.String(c.R.Name)})
			return err
		},
	})
}
