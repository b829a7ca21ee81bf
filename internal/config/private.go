package config

// maxALBPathPattern: an ALB path-pattern condition value is at most 128 characters
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
const maxALBPathPattern = 128

// checkPrivate checks what a private app (deployment.private) cannot have: the CloudFront
// settings it would silently lose, response streaming (an ALB does not stream Lambda
// responses), path patterns longer than an ALB condition takes, integrations on Fargate
// (delivered through the CloudFront URL a private app lacks), and custom domains, which
// need HTTPS (a certificate on the ALB and a record in a private hosted zone) that berth
// does not build for private apps yet: refused rather than served over plain HTTP.
func (d *decoder) checkPrivate(c *Config) {
	if !c.Deployment.Private {
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
		if d.has(base + ".routing.domain") {
			d.fail(base+".routing.domain", "is not supported on a private app (deployment.private: true) yet: berth would serve it over plain HTTP, without a certificate; remove it and reach the app by its load balancer's DNS name inside the VPC")
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
