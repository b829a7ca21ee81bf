package plan

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"

	"github.com/berth-dev/berth/internal/config"
)

// Target group health checks, tuned down from ELB's defaults (30 s interval, 5 healthy
// checks, 300 s deregistration delay). With the defaults a new task needs ~2.5 min to
// receive traffic and an old one 5 min to go away, which dominates a Fargate deploy; with
// these a task is healthy after ~20 s and drained in 30 s. A CloudFront origin read
// timeout of at most 120 s means no request legitimately needs a longer drain.
const (
	healthCheckIntervalSec = 10
	healthCheckTimeoutSec  = 5
	healthyThreshold       = 2
	unhealthyThreshold     = 3
	healthCheckMatcher     = "200-399"
	deregistrationDelaySec = 30
	// serviceGracePeriodSec lets a task start before ELB health checks count against it.
	serviceGracePeriodSec = 60
	listenerPort          = 80
	httpsListenerPort     = 443
	maxRulePriority       = 50000 // ELBv2's highest listener rule priority
	albIdleTimeoutSec     = 60    // ELBv2's default
)

// loadBalancer adds the ALB with its listener and security group. A public app has one
// only while a container runs on Fargate, and CloudFront reaches it through a VPC origin;
// a private app always has one, and it is the app's only entry point.
func (b *builder) loadBalancer() {
	d := b.cfg.Deployment
	vpcID := b.vpcID()
	// A public app's ALB admits only CloudFront's VPC origins, unless the user brings a
	// security group for it. That source group is created by CloudFront with the first
	// VPC origin in the VPC, and the VPC origin needs the ALB, which needs its group: so
	// the group is created bare and its ingress is a resource of its own, after the VPC
	// origin. A private app's ALB admits its VPC's own address ranges (a narrower source
	// is the user's own group, deployment.awsVpc.loadBalancerSecurityGroupId).
	var albSG *Ref
	var albSGID string
	switch {
	case !b.ownsAlbGroup():
		albSGID = d.VPC.LoadBalancerSecurityGroupID
	case b.private:
		ingress := []IngressRule{{FromPort: listenerPort, ToPort: listenerPort, FromVPC: true}}
		if b.https() {
			ingress = append(ingress, IngressRule{FromPort: httpsListenerPort, ToPort: httpsListenerPort, FromVPC: true})
		}
		b.g.add(IDAlbSecurityGroup, KindSecurityGroup, "", b.n.albSecurityGroup(), b.t.Region, SecurityGroupProps{
			VPCID:       vpcID,
			Description: "berth " + b.cfg.Name + "/" + b.cfg.Stage + " private load balancer: its VPC only",
			Ingress:     ingress,
		})
		albSG = &Ref{ID: IDAlbSecurityGroup, Attr: AttrID}
	default:
		b.g.add(IDAlbSecurityGroup, KindSecurityGroup, "", b.n.albSecurityGroup(), b.t.Region, SecurityGroupProps{
			VPCID:           vpcID,
			Description:     "berth " + b.cfg.Name + "/" + b.cfg.Stage + " load balancer: CloudFront VPC origins only",
			SeparateIngress: true,
		})
		albSG = &Ref{ID: IDAlbSecurityGroup, Attr: AttrID}
		b.g.add(IDAlbIngress, KindSecurityGroupIngress, "", b.n.albIngress(), b.t.Region, SecurityGroupIngressProps{
			Group:   *albSG,
			VPCID:   vpcID,
			Ingress: []IngressRule{{FromPort: listenerPort, ToPort: listenerPort, SourceGroupName: CloudFrontVpcOriginsGroup}},
		}, IDVpcOrigin)
	}
	b.albSG, b.albSGID = albSG, albSGID

	// Internal: CloudFront reaches a public app's ALB only through the VPC origin, never
	// over the internet (AWS-NOTES: an internal ALB is reachable from CloudFront only that
	// way); a private app's is reachable only inside the VPC.
	lb := LoadBalancerProps{
		Scheme:         "internal",
		IdleTimeoutSec: max(albIdleTimeoutSec, orDefault(d.CloudFront.OriginReadTimeout, config.DefaultOriginReadTimeout)),
	}
	if d.VPC != nil {
		lb.SubnetIDs = d.VPC.PrivateSubnets
	}
	if albSG != nil {
		lb.SecurityGroups = []Ref{*albSG}
	} else {
		lb.SecurityGroupIDs = []string{albSGID}
	}
	b.g.add(IDLoadBalancer, KindLoadBalancer, "", b.n.loadBalancer(), b.t.Region, lb)
	if b.https() {
		b.httpsListener()
	} else {
		b.g.add(IDListener, KindListener, "", b.n.listener(), b.t.Region, ListenerProps{
			LoadBalancer: Ref{ID: IDLoadBalancer, Attr: AttrArn},
			Port:         listenerPort,
		})
	}
	if !b.private {
		b.g.add(IDVpcOrigin, KindVpcOrigin, "", b.n.vpcOrigin(), EdgeRegion, VpcOriginProps{
			LoadBalancer: Ref{ID: IDLoadBalancer, Attr: AttrArn},
			HTTPPort:     listenerPort,
			HTTPSPort:    443,
			Protocol:     "http-only",
		}, IDListener)
	}
	if d.AlbWafAclArn != "" {
		b.g.add(IDAlbWebACLAssociation, KindWebACLAssociation, "", b.n.albWebACL(), b.t.Region, WebACLAssociationProps{
			Resource:  Ref{ID: IDLoadBalancer, Attr: AttrArn},
			WebACLArn: d.AlbWafAclArn,
		})
	}
}

// sharedFargate adds what Fargate containers share besides the ALB: the cluster, the
// tasks' security group and the task execution role. None of it exists while no
// container runs on Fargate.
func (b *builder) sharedFargate() {
	d := b.cfg.Deployment
	b.g.add(IDCluster, KindCluster, "", b.n.cluster(), b.t.Region, ClusterProps{})

	// Tasks accept traffic from the ALB only. The rule opens all TCP ports to that one
	// source rather than listing container ports: the ALB forwards only to registered
	// targets' ports, so nothing is more exposed, and the group then does not change when
	// a container with another port is added or switched to Fargate.
	b.g.add(IDTaskSecurityGroup, KindSecurityGroup, "", b.n.taskSecurityGroup(), b.t.Region, SecurityGroupProps{
		VPCID:       b.vpcID(),
		Description: "berth " + b.cfg.Name + "/" + b.cfg.Stage + " tasks: load balancer only",
		Ingress:     []IngressRule{{FromPort: 0, ToPort: 65535, SourceGroup: b.albSG, SourceGroupID: b.albSGID}},
	})

	if d.ExecutionRole != "" {
		b.execRole = RoleRef{Arn: d.ExecutionRole}
	} else {
		b.g.add(IDExecutionRole, KindRole, "", b.n.executionRole(), EdgeRegion, RoleProps{
			TrustServices:     []string{"ecs-tasks.amazonaws.com"},
			ManagedPolicyArns: []string{b.managedPolicy("service-role/AmazonECSTaskExecutionRolePolicy")},
			InlinePolicy:      b.secretsReadPolicy(),
		})
		b.execRole = RoleRef{Ref: &Ref{ID: IDExecutionRole, Attr: AttrArn}}
	}
}

// ownsAlbGroup reports whether berth makes the ALB's security group (and its ingress),
// rather than using deployment.awsVpc.loadBalancerSecurityGroupId.
func (b *builder) ownsAlbGroup() bool {
	v := b.cfg.Deployment.VPC
	return b.hasALB() && (v == nil || v.LoadBalancerSecurityGroupID == "")
}

// hasALB: a public app has an ALB while a container runs on Fargate, a private app always.
func (b *builder) hasALB() bool { return b.hasFargate || b.private }

// vpcID is deployment.awsVpc.id, "" for the default VPC.
func (b *builder) vpcID() string {
	if v := b.cfg.Deployment.VPC; v != nil {
		return v.ID
	}
	return ""
}

// fargateContainer adds a Fargate container: log group, task role, task definition,
// target group, listener rule, service, autoscaling and its route.
func (b *builder) fargateContainer(c config.Container) {
	d := b.cfg.Deployment
	fc := c.Compute.Fargate
	logID := ContainerID(c.Name, SuffixLogGroup)
	taskID := ContainerID(c.Name, SuffixTaskDefinition)
	tgID := ContainerID(c.Name, SuffixTargetGroup)
	ruleID := ContainerID(c.Name, SuffixListenerRule)
	svcID := ContainerID(c.Name, SuffixService)

	b.g.add(logID, KindLogGroup, c.Name, ecsLogGroupName(b.cfg.Name, b.cfg.Stage, c.Name), b.t.Region,
		LogGroupProps{RetentionDays: b.logRetention()})
	taskRole := b.role(c, ContainerID(c.Name, SuffixTaskRole), b.n.taskRole(c.Name), "ecs-tasks.amazonaws.com")

	env := make(map[string]EnvValue, len(c.Environment))
	envValues(b.t.FingerprintKey, b.cfg.Name, b.cfg.Stage, c.Environment, env)
	if len(env) == 0 {
		env = nil
	}
	uri, image := b.image(c, "")
	b.g.add(taskID, KindTaskDefinition, c.Name, b.n.taskFamily(c.Name), b.t.Region, TaskDefinitionProps{
		CPU:             orDefault(fc.CPU, config.DefaultFargateCPU),
		MemoryMB:        orDefault(fc.Memory, config.DefaultFargateMemory),
		ImageURI:        uri,
		Image:           image,
		Port:            port(c),
		Architecture:    imageArchitecture(c),
		Environment:     env,
		ExecutionRole:   b.execRole,
		TaskRole:        taskRole,
		LogGroup:        Ref{ID: logID, Attr: AttrName},
		HealthCheckPath: healthPath(c),
	})

	b.g.add(tgID, KindTargetGroup, c.Name, b.n.targetGroup(c.Name), b.t.Region, TargetGroupProps{
		VPCID:                  b.vpcID(),
		Port:                   port(c),
		HealthCheckPath:        healthPath(c),
		HealthCheckIntervalSec: healthCheckIntervalSec,
		HealthCheckTimeoutSec:  healthCheckTimeoutSec,
		HealthyThreshold:       healthyThreshold,
		UnhealthyThreshold:     unhealthyThreshold,
		Matcher:                healthCheckMatcher,
		DeregistrationDelaySec: deregistrationDelaySec,
	})
	b.listenerRule(c, tgID)

	scale := readScale(fc.Scale)
	svc := ServiceProps{
		Cluster:                    Ref{ID: IDCluster, Attr: AttrArn},
		TaskDefinition:             Ref{ID: taskID, Attr: AttrArn},
		TargetGroup:                Ref{ID: tgID, Attr: AttrArn},
		ContainerName:              c.Name,
		Port:                       port(c),
		DesiredCount:               scale.desired,
		SecurityGroups:             []Ref{{ID: IDTaskSecurityGroup, Attr: AttrID}},
		AssignPublicIP:             d.VPC == nil, // default VPC subnets are public: no NAT to pull images
		HealthCheckGracePeriodSec:  serviceGracePeriodSec,
		CircuitBreakerWithRollback: true,
		AutoScaled:                 len(scale.policies) > 0,
	}
	if d.VPC != nil {
		svc.SubnetIDs = d.VPC.PrivateSubnets
		if d.VPC.S2SSecurityGroupID != "" {
			svc.SecurityGroupIDs = []string{d.VPC.S2SSecurityGroupID}
		}
	}
	// ECS refuses a service whose target group no listener uses yet.
	b.g.add(svcID, KindService, c.Name, b.n.service(c.Name), b.t.Region, svc, ruleID)

	b.autoscaling(c, scale)
	if b.private {
		return // the listener rule is the route
	}
	b.fargateIntegrations(c, tgID)
	// The route switches traffic to the ALB once the service is up behind its rule, and the
	// distribution has the ALB origin the router selects.
	b.route(c, Route{Target: RouteTargetALB}, ruleID, svcID, IDDistribution)
}

// listenerRule adds the rule forwarding a container's requests to its target group: on a
// public app, those the router marked with the container's name; on a private app, those
// matching its path pattern (and domain).
func (b *builder) listenerRule(c config.Container, tgID string, after ...string) {
	props := ListenerRuleProps{
		Listener:    Ref{ID: IDListener, Attr: AttrArn},
		TargetGroup: Ref{ID: tgID, Attr: AttrArn},
		Priority:    b.priorities[c.Name],
	}
	name := b.n.listenerRule(c.Name)
	if b.private {
		props.PathPattern, props.Host = c.Routing.PathPattern, normDomain(c.Routing.Domain)
	} else {
		props.HeaderName, props.HeaderValue = RouteHeader, c.Name
	}
	if b.https() {
		// A rule cannot move between listeners: a name of its own makes the move a
		// replacement (the new rule on 443 first, then the old one on 80 goes).
		props.Listener, name = Ref{ID: IDHTTPSListener, Attr: AttrArn}, b.n.httpsListenerRule(c.Name)
	}
	b.g.add(ContainerID(c.Name, SuffixListenerRule), KindListenerRule, c.Name, name, b.t.Region, props, after...)
}

// listenerPriorities gives each Fargate container a listener rule priority derived from
// its name: 1 + (first 4 bytes of sha256(name)) mod 50000, moving to the next free
// priority on a collision, visiting names in sorted order. A container's priority is
// therefore stable across deploys and independent of the others, except in the rare
// collision (≈ n²/100000 for n containers) where a newcomer sorting earlier takes the slot
// first; then the later one moves, which is a listener rule update, nothing more.
// Priorities only need to be distinct: the rules match disjoint header values.
func listenerPriorities(names []string) map[string]int {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	used := make(map[int]bool, len(sorted))
	out := make(map[string]int, len(sorted))
	for _, name := range sorted {
		sum := sha256.Sum256([]byte(name))
		p := 1 + int(binary.BigEndian.Uint32(sum[:4])%maxRulePriority)
		for used[p] {
			p = p%maxRulePriority + 1
		}
		used[p] = true
		out[name] = p
	}
	return out
}
