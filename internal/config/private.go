package config

import "regexp"

// maxALBPathPattern: an ALB path-pattern condition value is at most 128 characters
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
const maxALBPathPattern = 128

// checkPrivate checks what a private app (deployment.private) cannot have: the CloudFront
// settings it would silently lose, response streaming (an ALB does not stream Lambda
// responses), path patterns longer than an ALB condition takes, integrations on Fargate
// (delivered through the CloudFront URL a private app lacks), and custom domains without
// the private hosted zone their records go in.
func (d *decoder) checkPrivate(c *Config) {
	const zoneKey = "deployment.awsAlb.privateHostedZoneId"
	if zone := c.Deployment.PrivateHostedZoneID; d.has(zoneKey) && !d.unknown[zoneKey] && !hostedZoneID.MatchString(zone) {
		d.bad(zoneKey, zone, "is not a Route 53 hosted zone id (like Z0123456789ABCDEFGHIJ): copy it from `aws route53 list-hosted-zones`", "")
	}
	if !c.Deployment.Private {
		if d.has(zoneKey) {
			d.warn(zoneKey, "has no effect on a public app: its custom domains get records in their public hosted zones; it is for private apps (deployment.private: true)")
		}
		return
	}
	if p := "deployment.awsCloudFront.wafAclArn"; d.has(p) {
		d.fail(p, "has no effect on a private app (deployment.private: true has no CloudFront): protect it with a REGIONAL web ACL in deployment.awsAlb.wafAclArn")
	}
	for _, p := range []string{"deployment.awsCloudFront.originReadTimeout", "deployment.awsCloudFront.priceClass"} {
		if d.has(p) {
			d.warn(p, "has no effect: a private app (deployment.private: true) has no CloudFront distribution")
		}
	}
	for _, ct := range c.Containers {
		base := "containers." + ct.Name
		if d.has(base+".routing.domain") && c.Deployment.PrivateHostedZoneID == "" {
			d.fail(base+".routing.domain", "needs %s on a private app (deployment.private: true): the id of the Route 53 private hosted zone, associated with the app's VPC, where berth writes the domain's record", zoneKey)
		}
		if len(ct.Routing.PathPattern) > maxALBPathPattern {
			d.fail(base+".routing.pathPattern", "is %d characters; a private app routes on its load balancer, whose path conditions take at most %d: shorten it", len(ct.Routing.PathPattern), maxALBPathPattern)
		}
		if ct.Compute.Type == ComputeFargate && len(ct.Integrations) > 0 {
			d.fail(base+".integrations", "cannot be delivered to a Fargate container of a private app yet: berth delivers them through an EventBridge API destination, which calls the app's CloudFront URL, and a private app has none; run the container on awsLambda or remove its integrations")
		}
		if ct.Compute.Type != ComputeFargate && ct.Compute.Lambda.InvokeMode == "RESPONSE_STREAM" {
			d.fail(base+".compute.awsLambda.invokeMode", "RESPONSE_STREAM cannot be served by a private app: its load balancer invokes Lambda and returns the whole (buffered) response: use BUFFERED, or run the container on awsFargateEcs")
		}
	}
}

// hostedZoneID is a Route 53 hosted zone id (without "/hostedzone/").
var hostedZoneID = regexp.MustCompile(`^[A-Z0-9]{1,32}$`)
