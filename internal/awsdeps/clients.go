package awsdeps

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/inventory"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	acmprov "github.com/berth-dev/berth/internal/provision/acm"
	aasprov "github.com/berth-dev/berth/internal/provision/autoscaling"
	cfprov "github.com/berth-dev/berth/internal/provision/cloudfront"
	ec2prov "github.com/berth-dev/berth/internal/provision/ec2"
	ecsprov "github.com/berth-dev/berth/internal/provision/ecs"
	elbprov "github.com/berth-dev/berth/internal/provision/elbv2"
	eventsprov "github.com/berth-dev/berth/internal/provision/events"
	iamprov "github.com/berth-dev/berth/internal/provision/iam"
	lambdaprov "github.com/berth-dev/berth/internal/provision/lambda"
	logsprov "github.com/berth-dev/berth/internal/provision/logs"
	r53prov "github.com/berth-dev/berth/internal/provision/route53"
	schedprov "github.com/berth-dev/berth/internal/provision/scheduler"
	wafprov "github.com/berth-dev/berth/internal/provision/wafv2"
	"github.com/berth-dev/berth/internal/workflow"
)

// clientsFactory returns the per-invocation client builder: every client shares a copy
// of cfg with the invocation's call counter attached. Building SDK clients makes no
// network call, so doing it per invocation costs little and keeps counts separate.
func clientsFactory(base aws.Config, s Settings) func(*awscalls.Counter) workflow.Clients {
	return func(calls *awscalls.Counter) workflow.Clients {
		cfg := base.Copy()
		if calls != nil {
			calls.Attach(&cfg)
		}
		edgeCfg := cfg.Copy() // CloudFront, ACM for CloudFront, IAM and Route 53 answer in us-east-1
		edgeCfg.Region = plan.EdgeRegion

		reg := provision.Registry{}
		iamc := iam.NewFromConfig(edgeCfg)
		lambdaprov.Register(reg, lambdaprov.Clients(cfg))
		logsprov.Register(reg, logsprov.Clients(cfg))
		schedprov.Register(reg, schedprov.Clients(cfg))
		eventsprov.Register(reg, eventsprov.Clients(cfg))
		var roleOpts []iamprov.Option
		if s.RoleBoundaryArn != "" {
			roleOpts = append(roleOpts, iamprov.WithPermissionsBoundary(s.RoleBoundaryArn))
		}
		iamprov.Register(reg, iamprov.Clients(cfg), roleOpts...)

		ec2c := ec2prov.Clients(cfg)
		// One default-network lookup per region and invocation, shared by EC2, ELBv2 and ECS.
		networks := provision.PerRegion(func(region string) *ec2prov.Network { return ec2prov.NewNetwork(ec2c(region)) })
		ec2prov.Register(reg, ec2c, networks)
		elbprov.Register(reg, elbprov.Clients(cfg), func(region string) elbprov.Network { return networks(region) })
		ecsprov.Register(reg, ecsprov.Clients(cfg), func(region string) ecsprov.Network { return networks(region) }, iamc)
		aasprov.Register(reg, aasprov.Clients(cfg), aasprov.Alarms(cfg, cloudwatchProtocol(s)))
		wafprov.Register(reg, wafprov.Clients(cfg))

		cf := cfprov.Clients(cfg)
		// Route 53 may only repoint an alias that targets one of this stage's distributions.
		aliasOwner := r53prov.WithAliasOwner(cfprov.NewDistribution(cf(plan.EdgeRegion)).OwnsDomainName)
		data := cloudfrontkeyvaluestore.NewFromConfig(edgeCfg, func(o *cloudfrontkeyvaluestore.Options) {
			if s.KVSHTTPClient != nil {
				o.HTTPClient = s.KVSHTTPClient
			}
		})
		cfprov.RegisterDistribution(reg, cf)
		cfprov.RegisterEdge(reg, cf, data)
		acmprov.Register(reg, acmprov.Clients(cfg))
		r53prov.Register(reg, r53prov.Clients(cfg), aliasOwner)
		r53 := route53.NewFromConfig(edgeCfg)
		registerImages(reg, cfg, s)

		return workflow.Clients{
			Registry:  reg,
			Zones:     zoneFinder{r53},
			Inventory: inventory.New(cfg),
			Network:   networkChecker{ec2.NewFromConfig(cfg), networks(cfg.Region)},
			// The app's VPC is in berth's region (cfg.Region); Route 53 answers in us-east-1.
			PrivateZones: privateZoneChecker{r53, networks(cfg.Region), cfg.Region},
		}
	}
}

// cloudwatchProtocol switches CloudWatch to awsQuery against the emulator.
func cloudwatchProtocol(s Settings) func(*cloudwatch.Options) {
	return func(o *cloudwatch.Options) {
		if s.Emulator {
			o.Protocol = awsquery.New(&smithy.ServiceSchema{Version: "2010-08-01"})
		}
	}
}

type networkChecker struct {
	client *ec2.Client
	net    *ec2prov.Network
}

func (n networkChecker) CheckVpcOriginNetwork(ctx context.Context, vpcID string, subnetIDs []string, private bool) ([]string, error) {
	return ec2prov.CheckVpcOriginNetwork(ctx, n.client, n.net, vpcID, subnetIDs, private)
}

type privateZoneChecker struct {
	client *route53.Client
	net    *ec2prov.Network
	region string
}

func (p privateZoneChecker) CheckPrivateZone(ctx context.Context, zoneID, vpcID string, domains map[string]string) ([]string, error) {
	return r53prov.CheckPrivateZone(ctx, p.client, p.net, p.region, zoneID, vpcID, domains)
}

type zoneFinder struct{ client *route53.Client }

func (z zoneFinder) FindZone(ctx context.Context, domain string) (string, error) {
	return r53prov.FindZone(ctx, z.client, domain)
}
