package plan

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
)

// A private app (deployment.private) has no CloudFront: no distribution, router,
// KeyValueStore, route table, body signer, VPC origin or Function URLs. Its internal ALB
// is the only entry point, reachable inside the VPC, and routes each container by its
// path pattern (and domain): Fargate containers through ip target groups, Lambda
// containers through lambda target groups. With a custom domain it serves HTTPS (see
// https).
//
// ALB limits a Lambda target's request and response bodies to 1 MB each (the load
// balancer answers 502 to a larger response: "Lambda functions as targets",
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html),
// whereas a Function URL takes 6 MB buffered; containers moving larger bodies belong on
// Fargate.

// privateLambdaContainer adds a private app's Lambda container: log group, role and
// function, its lambda target group, the permission letting ELB invoke the function from
// that group, the function's registration in it, and the listener rule.
func (b *builder) privateLambdaContainer(c config.Container) {
	fnID, fnName, ok := b.lambdaFunction(c)
	if !ok {
		return
	}
	tgID := ContainerID(c.Name, SuffixTargetGroup)
	permID := ContainerID(c.Name, SuffixPermission)
	targetID := ContainerID(c.Name, SuffixLambdaTarget)
	// Health checks are off, ELB's default for lambda target groups: each would be an
	// invocation of the function. A target group's type cannot change, so the lambda
	// group has a name of its own: switching the container to Fargate replaces it.
	b.g.add(tgID, KindTargetGroup, c.Name, b.n.lambdaTargetGroup(c.Name), b.t.Region, TargetGroupProps{Lambda: true})
	b.g.add(permID, KindPermission, c.Name, b.n.permission(c.Name), b.t.Region, PermissionProps{
		Function:    Ref{ID: fnID, Attr: AttrArn},
		TargetGroup: &Ref{ID: tgID, Attr: AttrArn},
	})
	// ELB checks the permission when the function is registered.
	b.g.add(targetID, KindLambdaTarget, c.Name, b.n.lambdaTarget(c.Name), b.t.Region, LambdaTargetProps{
		TargetGroup: Ref{ID: tgID, Attr: AttrArn},
		Function:    Ref{ID: fnID, Attr: AttrArn},
	}, permID)
	// Requests reach the group once the function is in it: a rule forwarding to an empty
	// lambda group answers 503.
	b.listenerRule(c, tgID, targetID)
	b.lambdaIntegrations(c, fnID, fnName)
}

// Listener rule priorities of a private app. The ALB evaluates rules in priority order
// and stops at the first match; the router (internal/edge README, "Match order") tries
// the exact path, then prefixes from the deepest, and for each candidate the host route
// before the host-less one. Rules in bands reproduce that order:
//
//	band 0: exact paths with a host; band 1: exact paths without
//	band 2+2k: prefixes (/a/.../*) of 12-k segments with a host; band 3+2k: without
//
// Two prefixes of the same depth never match the same path, nor do two exact paths, so
// the order inside a band is free: a container's priority there comes from its name's
// hash, stable across deploys, moving to the next free slot of its band on a collision.
const (
	priorityBands    = 2 + 2*(edge.MaxPrefixSegments+1)
	priorityBandSize = maxRulePriority / priorityBands
)

// pathPriorities gives each container of a private app its rule priority (see above).
func pathPriorities(cs []config.Container) map[string]int {
	byName := append([]config.Container(nil), cs...)
	sort.Slice(byName, func(i, j int) bool { return byName[i].Name < byName[j].Name })
	used := map[int]bool{}
	out := make(map[string]int, len(cs))
	for _, c := range byName {
		band := routeBand(c.Routing.PathPattern, c.Routing.Domain != "")
		sum := sha256.Sum256([]byte(c.Name))
		slot := int(binary.BigEndian.Uint32(sum[:4]) % priorityBandSize)
		p := 1 + band*priorityBandSize + slot
		for used[p] {
			slot = (slot + 1) % priorityBandSize
			p = 1 + band*priorityBandSize + slot
		}
		used[p] = true
		out[c.Name] = p
	}
	return out
}

// routeBand is the band of a route pattern: lower bands are tried first.
func routeBand(pattern string, host bool) int {
	hostless := 1
	if host {
		hostless = 0
	}
	prefix, isPrefix := strings.CutSuffix(pattern, "*")
	if !isPrefix {
		return hostless
	}
	depth := strings.Count(prefix, "/") - 1 // "/*" is 0 segments, "/a/*" 1
	return 2 + 2*(edge.MaxPrefixSegments-min(depth, edge.MaxPrefixSegments)) + hostless
}

// https: a private app with a custom domain serves HTTPS on 443, with a certificate for
// its domains, and HTTP on 80 only redirects there (AWS Config's
// alb-http-to-https-redirection-check and Control Tower's CT.ELASTICLOADBALANCING.PR.1
// ask for exactly this on every HTTP listener: a client that starts on http:// is moved
// to the encrypted listener rather than served in clear or refused).
func (b *builder) https() bool { return b.private && len(b.domains) > 0 }

// httpsListener adds a private app's HTTPS listener, which its listener rules attach to,
// and its HTTP listener, which redirects to it. Both wait for the certificate: ELB takes
// only an issued one, and ACM issues it once its validation records exist.
func (b *builder) httpsListener() {
	var validated []string
	for _, d := range b.domains {
		validated = append(validated, CertificateValidationID(d))
	}
	b.g.add(IDHTTPSListener, KindListener, "", b.n.httpsListener(), b.t.Region, ListenerProps{
		LoadBalancer: Ref{ID: IDLoadBalancer, Attr: AttrArn},
		Port:         httpsListenerPort,
		Certificate:  &Ref{ID: IDCertificate, Attr: AttrArn},
	}, validated...)
	b.g.add(IDListener, KindListener, "", b.n.listener(), b.t.Region, ListenerProps{
		LoadBalancer:   Ref{ID: IDLoadBalancer, Attr: AttrArn},
		Port:           listenerPort,
		RedirectToPort: httpsListenerPort,
	}, IDHTTPSListener)
}

// privateDomains adds a private app's certificate, in its own region, and for each domain
// an alias A record to the internal load balancer in the private hosted zone the user
// named (deployment.awsAlb.privateHostedZoneId), which resolves only inside the VPCs
// associated with it. No AAAA: the internal load balancer is IPv4.
func (b *builder) privateDomains() {
	if !b.https() || !b.certificate(b.t.Region, true) {
		return
	}
	for _, d := range b.domains {
		b.g.add(AliasID(d, "A"), KindRecordSet, "", b.n.record(d, "A"), EdgeRegion, RecordSetProps{
			HostedZoneDomain: d,
			HostedZoneID:     b.cfg.Deployment.PrivateHostedZoneID,
			RecordName:       d,
			Type:             "A",
			AliasTo:          &Ref{ID: IDLoadBalancer, Attr: AttrDNSName},
			AliasZone:        &Ref{ID: IDLoadBalancer, Attr: AttrCanonicalHostedZoneID},
		}, IDHTTPSListener)
	}
}
