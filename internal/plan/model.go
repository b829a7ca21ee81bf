// Package plan turns a validated config into the desired resource graph and diffs it
// against the last applied graph to produce ordered steps. It is pure: no AWS imports, no
// I/O, deterministic output.
package plan

import "encoding/json"

// Kind names a resource kind by its CloudFormation type. Kinds CloudFormation has no type
// for are named Berth::<Service>::<Thing>.
type Kind string

const (
	KindLogGroup            Kind = "AWS::Logs::LogGroup"
	KindRole                Kind = "AWS::IAM::Role"
	KindFunction            Kind = "AWS::Lambda::Function"
	KindFunctionURL         Kind = "AWS::Lambda::Url"
	KindPermission          Kind = "AWS::Lambda::Permission"
	KindCluster             Kind = "AWS::ECS::Cluster"
	KindTaskDefinition      Kind = "AWS::ECS::TaskDefinition"
	KindService             Kind = "AWS::ECS::Service"
	KindScalableTarget      Kind = "AWS::ApplicationAutoScaling::ScalableTarget"
	KindScalingPolicy       Kind = "AWS::ApplicationAutoScaling::ScalingPolicy"
	KindSecurityGroup       Kind = "AWS::EC2::SecurityGroup"
	KindLoadBalancer        Kind = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	KindTargetGroup         Kind = "AWS::ElasticLoadBalancingV2::TargetGroup"
	KindListener            Kind = "AWS::ElasticLoadBalancingV2::Listener"
	KindListenerRule        Kind = "AWS::ElasticLoadBalancingV2::ListenerRule"
	KindWebACLAssociation   Kind = "AWS::WAFv2::WebACLAssociation"
	KindDistribution        Kind = "AWS::CloudFront::Distribution"
	KindOAC                 Kind = "AWS::CloudFront::OriginAccessControl"
	KindCloudFrontFunction  Kind = "AWS::CloudFront::Function"
	KindKeyValueStore       Kind = "AWS::CloudFront::KeyValueStore"
	KindCertificate         Kind = "AWS::CertificateManager::Certificate"
	KindRecordSet           Kind = "AWS::Route53::RecordSet"
	KindRouteTable          Kind = "Berth::CloudFront::RouteTable" // every route, one KVS key each
	KindEdgeFunctionVersion Kind = "Berth::Lambda::EdgeFunction"   // Lambda@Edge body signer (us-east-1)
	KindScheduleGroup       Kind = "AWS::Scheduler::ScheduleGroup"
	KindSchedule            Kind = "AWS::Scheduler::Schedule"
	KindEventRule           Kind = "AWS::Events::Rule" // with its target and the function's invoke statement
	KindEventConnection     Kind = "AWS::Events::Connection"
	KindApiDestination      Kind = "AWS::Events::ApiDestination"
)

// Kinds of the private load balancer path: CloudFront reaches the internal ALB through a
// VPC origin, and the ALB's security group admits the group CloudFront creates for it.
const (
	KindVpcOrigin            Kind = "AWS::CloudFront::VpcOrigin"
	KindSecurityGroupIngress Kind = "AWS::EC2::SecurityGroupIngress"
)

// Kinds of the image build path (a container with src and no image): the app's image
// repository, the build project berth shares per region and architecture, the build of
// one source archive, and the Lambda Web Adapter layer appended to an image.
const (
	KindRepository   Kind = "AWS::ECR::Repository"
	KindBuildProject Kind = "AWS::CodeBuild::Project"
	KindImageBuild   Kind = "Berth::Image::Build"
	KindWebAdapter   Kind = "Berth::Image::WebAdapter"
)

// KindLambdaTarget is a Lambda function registered in a private app's lambda target
// group (no CloudFormation type: CloudFormation lists targets on the group itself).
const KindLambdaTarget Kind = "Berth::ElasticLoadBalancingV2::LambdaTarget"

// Action is what a step does.
type Action string

const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
	Noop   Action = "noop"
)

// EdgeRegion is where CloudFront-scoped resources (certificates, Lambda@Edge, WAF) live.
const EdgeRegion = "us-east-1"

// Resource is one node of the desired graph.
type Resource struct {
	ID        string   `json:"id"`                  // logical id, unique in the graph, e.g. "api/Function"
	Kind      Kind     `json:"kind"`                //
	Container string   `json:"container,omitempty"` // "" for app-level resources
	Name      string   `json:"name"`                // physical name (see names.go)
	Region    string   `json:"region"`              //
	DependsOn []string `json:"dependsOn,omitempty"` // logical ids; sorted
	// Props is the kind's typed properties (see props.go), JSON-encoded canonically so that
	// equal props compare equal byte for byte.
	Props json.RawMessage `json:"props"`
	// Shared marks a resource berth keeps once per account for every app (the body
	// signer and its role): it carries berth's shared ownership tag instead of the app's,
	// its name does not depend on the app, and no app's removal, prune or compensation
	// deletes it (SharedResources documents the cleanup).
	Shared bool `json:"shared,omitempty"`
}

// Desired is the whole desired graph for one app/stage. It is also the "applied" document
// once a deploy commits, and the `desired` member of `berth plan --output json`.
type Desired struct {
	App     string `json:"app"`
	Stage   string `json:"stage"`
	Region  string `json:"region"`
	Account string `json:"account,omitempty"`
	// AppInNames is AppNamePart(App) when it differs from App (SCF names such as My_App):
	// how the app appears in its AWS resource names. Shown by `berth plan`.
	AppInNames string `json:"appInNames,omitempty"`
	// Resources sorted by ID.
	Resources []Resource `json:"resources"`
}

// Step is one planned action.
type Step struct {
	Action    Action   `json:"action"`
	ID        string   `json:"id"`
	Kind      Kind     `json:"kind"`
	Container string   `json:"container,omitempty"`
	DependsOn []string `json:"dependsOn,omitempty"`
	// Wave: steps in the same wave have no dependency on each other and may run in
	// parallel; wave N runs after wave N-1 finishes.
	Wave int `json:"wave"`
	// Changes lists changed top-level property names for updates.
	Changes []string `json:"changes,omitempty"`
	// Replace marks the create and the delete of a resource whose kind, physical name or
	// region changed: the new one is created first, the old one deleted in a later wave.
	Replace bool `json:"replace,omitempty"`
}

// Plan is a diff result.
type Plan struct {
	Desired *Desired `json:"desired"`
	Steps   []Step   `json:"steps"`
}

// Ref points at another resource's runtime attribute (an ARN, an id, a domain) that only
// exists once that resource is created. Provisioners resolve refs from the applied outputs.
type Ref struct {
	ID   string `json:"ref"`  // logical id
	Attr string `json:"attr"` // e.g. "Arn", "Id", "DomainName", "Url"
}
