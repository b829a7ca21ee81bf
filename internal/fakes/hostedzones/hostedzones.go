// Package hostedzones is a fake of Route 53's GetHostedZone, for tests that check a hosted
// zone without an emulator.
package hostedzones

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Fake answers GetHostedZone as Route 53 does
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html): the
// zone with its Config.PrivateZone and, for a private zone, the VPCs associated with it;
// NoSuchHostedZone for an id it does not hold; Err for every call when set. Asked records
// the ids it was asked for.
type Fake struct {
	Zones map[string]*sdk.GetHostedZoneOutput
	Err   error
	Asked []string
}

// GetHostedZone implements the Route 53 call.
func (f *Fake) GetHostedZone(_ context.Context, in *sdk.GetHostedZoneInput, _ ...func(*sdk.Options)) (*sdk.GetHostedZoneOutput, error) {
	f.Asked = append(f.Asked, aws.ToString(in.Id))
	if f.Err != nil {
		return nil, f.Err
	}
	if out, ok := f.Zones[aws.ToString(in.Id)]; ok {
		return out, nil
	}
	return nil, &types.NoSuchHostedZone{Message: aws.String("No hosted zone found with ID: " + aws.ToString(in.Id))}
}
