package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Physical naming rule.
//
// Every name berth gives an AWS resource is
//
//	berth-<app>-<stage>[-<container>]-<suffix>-<h>
//
// where <suffix> names the kind ("fn", "role", "alb", …) and <h> is the first 6 hex digits
// of sha256(app NUL stage NUL container NUL suffix). The hash is always appended, so
// tuples whose readable parts read the same ("a-b"+"c" and "a"+"b-c") still get different
// names. When the name is longer than the kind's AWS limit the readable part is cut (and
// any hyphens left dangling at the cut are dropped) while the hash is kept, so a long
// container name stays unique and the name stays valid. Characters outside [A-Za-z0-9-]
// become "-" in the readable part only, and the app part is lower-cased (AppNamePart); the
// hash covers the exact tuple.
//
// Every name starts with "berth-", so berth's own policy can scope iam:PassRole to
// role/berth-* and the ownership tags are not the only way to recognise berth's resources.
//
// A few names are dictated by AWS or by what the resource is instead: a Lambda function's
// log group is /aws/lambda/<function name> (Lambda writes there whatever we configure); an
// ECS container's log group is /berth/<app>/<stage>/<container> (readable in the console;
// the slashes keep it unambiguous); a scalable target is named by its resource id
// service/<cluster>/<service>.
//
// Kinds AWS does not name (distribution, URL, permission, listener, rule, certificate,
// records) still get a rule name: it is their Name tag and how steps are logged.

// AWS name length limits per kind.
const (
	limitLambdaFunction     = 64
	limitRole               = 64
	limitRepository         = 256 // ECR repository names
	limitLoadBalancer       = 32
	limitTargetGroup        = 32
	limitCluster            = 255
	limitService            = 255
	limitTaskFamily         = 255
	limitSecurityGroup      = 255
	limitCloudFrontFunction = 64
	limitKeyValueStore      = 64
	limitVpcOrigin          = 64
	limitLogGroup           = 512
	// Kinds AWS does not name themselves get a berth name for their Name tag and for the
	// step log; these limits keep them short and within tag-value limits.
	limitDistributionComment = 128
	limitStatementID         = 90 // Lambda statement ids are ≤100; the provisioner adds "-url"/"-invoke"
	limitScalingPolicy       = 255
	limitTagName             = 128
	limitScheduleGroup       = 64 // EventBridge Scheduler: [0-9a-zA-Z-_.]{1,64}
	limitSchedule            = 64
	limitEventRule           = 64 // EventBridge rule names: [.-_A-Za-z0-9]{1,64}
	limitEventConnection     = 64 // connection and API destination names: [.-_A-Za-z0-9]{1,64}
)

// hashLen is how many hex digits of the tuple hash every name carries.
const hashLen = 6

// tupleHash is the hash of the exact naming tuple.
func tupleHash(app, stage, container, suffix string) string {
	sum := sha256.Sum256([]byte(app + "\x00" + stage + "\x00" + container + "\x00" + suffix))
	return hex.EncodeToString(sum[:hashLen/2])
}

// physicalName applies the naming rule with the given AWS length limit.
func physicalName(app, stage, container, suffix string, limit int) string {
	var b strings.Builder
	b.Grow(len(app) + len(stage) + len(container) + len(suffix) + 16)
	b.WriteString("berth-")
	b.WriteString(AppNamePart(app))
	b.WriteByte('-')
	writeSafe(&b, stage)
	if container != "" {
		b.WriteByte('-')
		writeSafe(&b, container)
	}
	b.WriteByte('-')
	writeSafe(&b, suffix)
	return withHash(b.String(), tupleHash(app, stage, container, suffix), limit)
}

// withHash appends "-<h>" to readable, cutting readable first when the result would be
// longer than limit.
func withHash(readable, h string, limit int) string {
	if max := limit - len(h) - 1; len(readable) > max {
		readable = strings.TrimRight(readable[:max], "-")
	}
	return readable + "-" + h
}

// AppNamePart is how an app name appears in AWS resource names: lower-cased, with every
// byte outside [a-z0-9-] as "-". SCF allowed names like My_App, and some kinds AWS names
// (ECR repositories, S3-style names) take lowercase only; since the hash ending every name
// covers the exact app name, My_App and my-app still get different names.
func AppNamePart(app string) string {
	var b strings.Builder
	writeSafe(&b, strings.ToLower(app))
	return b.String()
}

// NamePrefix is how every name berth gives app/stage's resources of a kind limited to 64
// characters (roles, CloudFront Functions, KeyValueStores) begins: the naming rule keeps
// the first 57 characters (the limit less "-<hash>"), so berth-<app>-<stage>- when it
// fits, else only berth-<app>- (apps are at most 16 characters). It narrows a listing;
// tags decide ownership.
func NamePrefix(app, stage string) string {
	const kept = 64 - hashLen - 1
	var b strings.Builder
	b.WriteString("berth-")
	b.WriteString(AppNamePart(app))
	b.WriteByte('-')
	appOnly := b.String()
	writeSafe(&b, stage)
	b.WriteByte('-')
	if b.Len() > kept {
		return appOnly
	}
	return b.String()
}

// writeSafe writes s with every byte outside [A-Za-z0-9-] replaced by "-": the common
// charset of every kind berth names (ALB and target group names are the strictest).
func writeSafe(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) || s[i] == '-' {
			b.WriteByte(s[i])
		} else {
			b.WriteByte('-')
		}
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lambdaLogGroupName is where Lambda writes a function's logs.
func lambdaLogGroupName(functionName string) string {
	return "/aws/lambda/" + functionName
}

// ecsLogGroupName is /berth/<app>/<stage>/<container>. A part holding a character log
// group names do not allow, or a slash that would make the path ambiguous, falls back to
// the hashed form so names stay unique.
func ecsLogGroupName(app, stage, container string) string {
	name := "/berth/" + app + "/" + stage + "/" + container
	if logPart(app) && logPart(stage) && logPart(container) && len(name) <= limitLogGroup {
		return name
	}
	var b strings.Builder
	b.WriteString("/berth/")
	writeSafe(&b, app)
	b.WriteByte('/')
	writeSafe(&b, stage)
	b.WriteByte('/')
	writeSafe(&b, container)
	return withHash(b.String(), tupleHash(app, stage, container, "logs"), limitLogGroup)
}

// logPart reports whether s can stand as one path segment of a log group name.
func logPart(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' && c != '#' {
			return false
		}
	}
	return true
}

// Names of the resources berth shares between all apps of an account (Resource.Shared).
// They carry no app, stage or hash: there is one of each, and berth's naming rule always
// appends a hash, so no app's resource can take these names.
const (
	SharedBodySignerName     = "berth-shared-body-signer"
	SharedBodySignerRoleName = "berth-shared-body-signer-role"
)

// namer names the resources of one app/stage.
type namer struct{ app, stage string }

func (n namer) name(container, suffix string, limit int) string {
	return physicalName(n.app, n.stage, container, suffix, limit)
}

// App-level names.
func (n namer) keyValueStore() string  { return n.name("", "kvs", limitKeyValueStore) }
func (n namer) routeTable() string     { return n.name("", "routes", limitKeyValueStore) }
func (n namer) routerFunction() string { return n.name("", "router", limitCloudFrontFunction) }
func (n namer) distribution() string   { return n.name("", "cdn", limitDistributionComment) }
func (n namer) cluster() string        { return n.name("", "cluster", limitCluster) }
func (n namer) albSecurityGroup() string {
	return n.name("", "alb-sg", limitSecurityGroup)
}
func (n namer) taskSecurityGroup() string {
	return n.name("", "task-sg", limitSecurityGroup)
}
func (n namer) albIngress() string { return n.name("", "alb-ingress", limitTagName) }
func (n namer) vpcOrigin() string  { return n.name("", "vpc-origin", limitVpcOrigin) }

// loadBalancer names the ALB, which is always internal. The ELBv2 API cannot change a
// load balancer's scheme (CreateLoadBalancer takes Scheme; no Modify* or Set* call does,
// Elastic Load Balancing API reference), so the internet-facing ALB of a stage deployed
// before berth's ALBs were internal ("alb") must be replaced, not updated: the internal
// one has a name of its own, the plan creates it, moves the listener, rules and VPC origin
// to it, then deletes the old one.
func (n namer) loadBalancer() string  { return n.name("", "ialb", limitLoadBalancer) }
func (n namer) listener() string      { return n.name("", "listener", limitTagName) }
func (n namer) httpsListener() string { return n.name("", "https-listener", limitTagName) }
func (n namer) executionRole() string { return n.name("", "exec-role", limitRole) }
func (n namer) albWebACL() string     { return n.name("", "alb-waf", limitTagName) }
func (n namer) scheduleGroup() string { return n.name("", "schedules", limitScheduleGroup) }

// certificate names the certificate for one set of domains: a different set is a
// different certificate (ACM certificates are immutable), so the name changes and the
// diff replaces it: the new one is created and attached before the old one is deleted.
func (n namer) certificate(domains []string) string {
	sum := sha256.Sum256([]byte(strings.Join(domains, "\x00")))
	return n.name("", "cert-"+hex.EncodeToString(sum[:])[:8], limitTagName)
}
func (n namer) record(domain, typ string) string {
	return n.name("", "dns-"+typ+"-"+domain, limitTagName)
}

// Per-container names.
func (n namer) function(c string) string   { return n.name(c, "fn", limitLambdaFunction) }
func (n namer) role(c string) string       { return n.name(c, "role", limitRole) }
func (n namer) url(c string) string        { return n.name(c, "url", limitTagName) }
func (n namer) permission(c string) string { return n.name(c, "cf", limitStatementID) }

// repository is lower-cased: ECR takes no capitals; the hash still tells apart apps
// whose names differ only in case.
func (n namer) repository(c string) string { return strings.ToLower(n.name(c, "img", limitRepository)) }
func (n namer) taskRole(c string) string   { return n.name(c, "task-role", limitRole) }
func (n namer) taskFamily(c string) string { return n.name(c, "task", limitTaskFamily) }
func (n namer) targetGroup(c string) string {
	return n.name(c, "tg", limitTargetGroup)
}
func (n namer) listenerRule(c string) string { return n.name(c, "rule", limitTagName) }
func (n namer) httpsListenerRule(c string) string {
	return n.name(c, "https-rule", limitTagName)
}
func (n namer) lambdaTarget(c string) string { return n.name(c, "target", limitTagName) }
func (n namer) lambdaTargetGroup(c string) string {
	return n.name(c, "ltg", limitTargetGroup)
}
func (n namer) service(c string) string       { return n.name(c, "svc", limitService) }
func (n namer) schedulerRole(c string) string { return n.name(c, "sched-role", limitRole) }
func (n namer) schedule(c, integration string) string {
	return n.name(c, "sched-"+integration, limitSchedule)
}
func (n namer) eventRule(c, integration string) string {
	return n.name(c, "evt-"+integration, limitEventRule)
}
func (n namer) eventConnection(c string) string { return n.name(c, "conn", limitEventConnection) }
func (n namer) eventsRole(c string) string      { return n.name(c, "events-role", limitRole) }
func (n namer) webhookRule(c string) string     { return n.name(c, "webhook-rule", limitTagName) }
func (n namer) apiDestination(c, integration string) string {
	return n.name(c, "dest-"+integration, limitEventConnection)
}
func (n namer) scalingPolicy(c string, i int) string {
	return n.name(c, "scale-"+strconv.Itoa(i), limitScalingPolicy)
}

// scalableTargetID is the Application Auto Scaling resource id of a service, which is how
// AWS names a scalable target.
func (n namer) scalableTargetID(c string) string {
	return "service/" + n.cluster() + "/" + n.service(c)
}
