package config

import "regexp"

// hostedZoneIDRE: Route 53 hosted zone ids are "Z" and upper-case letters and digits
// (CreateHostedZone returns /hostedzone/<id>; berth takes the bare id).
var hostedZoneIDRE = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)

// maxALBPathPattern: an ALB path-pattern condition value is at most 128 characters
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
const maxALBPathPattern = 128

// checkPrivate checks what a private app (deployment.private) cannot have: the CloudFront
// settings it would silently lose, response streaming (an ALB does not stream Lambda
// responses) and path patterns longer than an ALB condition takes; and that a private
// app's custom domain names the private hosted zone its record goes in. Whether that zone
// exists, is private and is associated with the VPC is checked at deploy time, against
// Route 53 (workflow's validation), before anything is created.
func (d *decoder) checkPrivate(c *Config) {
	dep := c.Deployment
	const zone = "deployment.privateHostedZoneId"
	if d.has(zone) && d.known(zone) && !hostedZoneIDRE.MatchString(dep.PrivateHostedZoneID) {
		d.bad(zone, dep.PrivateHostedZoneID, "is not a Route 53 hosted zone id: use the id alone, e.g. Z0123456789ABCDEFGHIJ (not /hostedzone/...)", "")
	}
	if !dep.Private {
		if d.has(zone) {
			d.fail(zone, "is only for private apps (deployment.private: true), whose domain records go in a private hosted zone; a public app's records go in the public zone of its domain: remove it")
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
	needZone := ""
	for _, ct := range c.Containers {
		base := "containers." + ct.Name
		if ct.Routing.Domain != "" && needZone == "" {
			needZone = base + ".routing.domain"
		}
		if len(ct.Routing.PathPattern) > maxALBPathPattern {
			d.fail(base+".routing.pathPattern", "is %d characters; a private app routes on its load balancer, whose path conditions take at most %d: shorten it", len(ct.Routing.PathPattern), maxALBPathPattern)
		}
		if ct.Compute.Type != ComputeFargate && ct.Compute.Lambda.InvokeMode == "RESPONSE_STREAM" {
			d.fail(base+".compute.awsLambda.invokeMode", "RESPONSE_STREAM cannot be served by a private app: its load balancer invokes Lambda and returns the whole (buffered) response: use BUFFERED, or run the container on awsFargateEcs")
		}
	}
	if needZone != "" && !d.has(zone) {
		d.fail(zone, "is required: %s is set on a private app (deployment.private: true), and its record goes in a Route 53 private hosted zone associated with the app's VPC: name that zone's id here", needZone)
	}
}
