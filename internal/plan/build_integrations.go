package plan

import (
	"encoding/json"
	"fmt"

	"github.com/berth-dev/berth/internal/config"
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
			pattern, err := json.Marshal(in.Pattern) // map keys sorted: one spelling per pattern
			if err != nil {
				b.g.err = fmt.Errorf("plan: %s integration %s: encoding the event pattern: %w", c.Name, in.Name, err)
				return
			}
			b.g.add(EventRuleID(c.Name, in.Name), KindEventRule, c.Name, b.n.eventRule(c.Name, in.Name), b.t.Region, EventRuleProps{
				Pattern:  string(pattern),
				Function: Ref{ID: fnID, Attr: AttrArn},
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
