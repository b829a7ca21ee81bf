package plan

import (
	"encoding/json"
	"fmt"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
)

// PassThroughEnv is Lambda Web Adapter's setting for the path it POSTs each non-HTTP
// event's raw JSON to (default /events) —
// awslabs.github.io/aws-lambda-web-adapter/features/non-http-events.html.
const PassThroughEnv = "AWS_LWA_PASS_THROUGH_PATH"

// lambdaIntegrations adds a Lambda container's integrations: one EventBridge rule per
// awsEventBridge integration (see EventRuleProps), then its schedules. Config validation
// refuses the integrations this does not deliver (see config.Config.Refusals).
func (b *builder) lambdaIntegrations(c config.Container, fnID, fnName string) {
	var schedules []config.Integration
	for _, in := range c.Integrations {
		switch in.Type {
		case config.IntegrationSchedule:
			schedules = append(schedules, in)
		case config.IntegrationEventBridge:
			pattern := b.pattern(c, in)
			if b.g.err != nil {
				return
			}
			b.g.add(EventRuleID(c.Name, in.Name), KindEventRule, c.Name, b.n.eventRule(c.Name, in.Name), b.t.Region, EventRuleProps{
				Pattern:  pattern,
				Function: &Ref{ID: fnID, Attr: AttrArn},
			})
		}
	}
	if len(schedules) == 0 {
		return
	}
	if !b.hasScheduleGroup {
		b.g.add(IDScheduleGroup, KindScheduleGroup, "", b.n.scheduleGroup(), b.t.Region, ScheduleGroupProps{})
		b.hasScheduleGroup = true
	}
	roleID := ContainerID(c.Name, SuffixSchedulerRole)
	b.g.add(roleID, KindRole, c.Name, b.n.schedulerRole(c.Name), EdgeRegion, RoleProps{
		TrustServices: []string{"scheduler.amazonaws.com"},
		InlinePolicy: map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":   "Allow",
				"Action":   "lambda:InvokeFunction",
				"Resource": b.functionArn(fnName),
			}},
		},
	})
	for _, in := range schedules {
		b.g.add(ScheduleID(c.Name, in.Name), KindSchedule, c.Name, b.n.schedule(c.Name, in.Name), b.t.Region, ScheduleProps{
			Group:      Ref{ID: IDScheduleGroup, Attr: AttrName},
			Expression: in.Schedule,
			Target:     Ref{ID: fnID, Attr: AttrArn},
			Role:       Ref{ID: roleID, Attr: AttrArn},
			Input:      scheduleEvent(b.cfg, c.Name, in),
		})
	}
}

// delivered are the integrations berth delivers (slack is refused at deploy).
func delivered(c config.Container) []config.Integration {
	var out []config.Integration
	for _, in := range c.Integrations {
		if in.Type == config.IntegrationSchedule || in.Type == config.IntegrationEventBridge {
			out = append(out, in)
		}
	}
	return out
}

// fargateIntegrations adds a Fargate container's integrations. An ECS service has no
// invoke API, so each event is an HTTP POST: a rule (with the event pattern, or scheduled
// with the event as its input) targets an API destination POSTing to the distribution's
// URL + webhookPath with the container's connection's API key. The router sends the
// webhook paths to the ALB under WebhookRoute, which only the webhook listener rule
// matches, and only with the key: the app never sees an unauthenticated delivery, and
// needs no code to check it.
func (b *builder) fargateIntegrations(c config.Container, tgID string) {
	ins := delivered(c)
	if len(ins) == 0 {
		return
	}
	cred := CredentialHeader{Name: WebhookKeyHeader, Container: c.Name,
		Fingerprint: WebhookFingerprint(b.t.FingerprintKey, b.cfg.Name, b.cfg.Stage, c.Name)}
	connID := ContainerID(c.Name, SuffixEventConnection)
	roleID := ContainerID(c.Name, SuffixEventsRole)
	ruleID := ContainerID(c.Name, SuffixWebhookRule)
	b.g.add(connID, KindEventConnection, c.Name, b.n.eventConnection(c.Name), b.t.Region, EventConnectionProps{Credential: cred})
	b.g.add(ruleID, KindListenerRule, c.Name, b.n.webhookRule(c.Name), b.t.Region, ListenerRuleProps{
		Listener:    Ref{ID: IDListener, Attr: AttrArn},
		TargetGroup: Ref{ID: tgID, Attr: AttrArn},
		Priority:    b.priorities[WebhookRoute(c.Name)],
		HeaderName:  RouteHeader,
		HeaderValue: WebhookRoute(c.Name),
		Credential:  &cred,
	})
	// The role may invoke this container's destinations and nothing else; a
	// destination's ARN ends in an id EventBridge picks, hence the "/*".
	var dests []any
	for _, in := range ins {
		dests = append(dests, b.arn("events", "api-destination/"+b.n.apiDestination(c.Name, in.Name)+"/*"))
	}
	b.g.add(roleID, KindRole, c.Name, b.n.eventsRole(c.Name), EdgeRegion, RoleProps{
		TrustServices: []string{"events.amazonaws.com"},
		InlinePolicy: map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":   "Allow",
				"Action":   "events:InvokeApiDestination",
				"Resource": dests,
			}},
		},
	})
	paths := map[string]bool{}
	for _, in := range ins {
		destID := ApiDestinationID(c.Name, in.Name)
		b.g.add(destID, KindApiDestination, c.Name, b.n.apiDestination(c.Name, in.Name), b.t.Region, ApiDestinationProps{
			Connection: Ref{ID: connID, Attr: AttrArn},
			Domain:     Ref{ID: IDDistribution, Attr: AttrDomainName},
			Path:       in.WebhookPath,
			Method:     "POST",
		})
		props := EventRuleProps{ApiDestination: &Ref{ID: destID, Attr: AttrArn}, Role: &Ref{ID: roleID, Attr: AttrArn}}
		if in.Type == config.IntegrationSchedule {
			props.Schedule, props.Input = in.Schedule, scheduleEvent(b.cfg, c.Name, in)
		} else if props.Pattern = b.pattern(c, in); b.g.err != nil {
			return
		}
		// Deliveries start once the path reaches the container with the key required.
		b.g.add(EventRuleID(c.Name, in.Name), KindEventRule, c.Name, b.n.eventRule(c.Name, in.Name), b.t.Region, props, ruleID, IDRouteTable)
		if !paths[in.WebhookPath] {
			paths[in.WebhookPath] = true
			b.webhookRoute(c, in.WebhookPath, ruleID)
		}
	}
}

// pattern is an awsEventBridge integration's event pattern as compact JSON.
func (b *builder) pattern(c config.Container, in config.Integration) string {
	pattern, err := json.Marshal(in.Pattern) // map keys sorted: one spelling per pattern
	if err != nil {
		b.g.err = fmt.Errorf("plan: %s integration %s: encoding the event pattern: %w", c.Name, in.Name, err)
	}
	return string(pattern)
}

// webhookRoute sends a webhook path to the ALB as the container's WebhookRoute. The key
// has no host: API destinations call the distribution's own domain.
func (b *builder) webhookRoute(c config.Container, path string, after ...string) {
	key := edge.RouteKey("", path)
	if other, dup := b.routes[key]; dup {
		b.fail(fmt.Errorf("plan: container %s: webhookPath %q is also routed to %s; give the integration a path no route serves", c.Name, path, other.Container))
		return
	}
	b.routes[key] = Route{Container: WebhookRoute(c.Name), Target: RouteTargetALB}
	b.routesAfter = append(b.routesAfter, after...)
}

// scheduleEvent is the JSON body the container receives for each run.
func scheduleEvent(cfg *config.Config, container string, in config.Integration) string {
	ev, _ := json.Marshal(map[string]string{
		"source": "berth.schedule", "app": cfg.Name, "stage": cfg.Stage,
		"container": container, "integration": in.Name, "schedule": in.Schedule,
	})
	return string(ev)
}

// functionArn is the ARN of a function berth names, known before it exists (the role's
// policy needs it); "*" stands for the account when planning offline.
func (b *builder) functionArn(name string) string {
	return "arn:" + b.partition + ":lambda:" + b.t.Region + ":" + orDefault(b.t.Account, "*") + ":function:" + name
}

// arn is the ARN of a regional resource berth names in the app's account ("*" offline).
func (b *builder) arn(service, resource string) string {
	return "arn:" + b.partition + ":" + service + ":" + b.t.Region + ":" + orDefault(b.t.Account, "*") + ":" + resource
}

// passThroughPath is the webhookPath of a Lambda container's integrations (config
// validation makes them share one), or "".
func passThroughPath(c config.Container) string {
	for _, in := range c.Integrations {
		if in.WebhookPath != "" {
			return in.WebhookPath
		}
	}
	return ""
}
