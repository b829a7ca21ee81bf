package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Keys of one integration, by its type. slack is read only to be refused at deploy, so
// its keys are not checked.
var integrationKeys = map[string][]string{
	IntegrationSchedule:    {"type", "webhookPath", "schedule"},
	IntegrationEventBridge: {"type", "webhookPath", "pattern"},
}

var integrationTypes = []string{IntegrationSchedule, IntegrationEventBridge, IntegrationSlack}

var (
	// Integration names become part of schedule and rule names (with berth's prefix and a
	// hash), whose alphabet is [A-Za-z0-9._-].
	integrationNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	// EventBridge Scheduler's rate expression: rate(value unit), unit minute(s), hour(s)
	// or day(s) — docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html.
	rateRE = regexp.MustCompile(`^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$`)
	cronRE = regexp.MustCompile(`^cron\(([^()]*)\)$`)
)

// maxEventPatternBytes is PutRule's limit on EventPattern (EventBridge API reference).
const maxEventPatternBytes = 4096

func (d *decoder) integrations(path string, n *yaml.Node) []Integration {
	var out []Integration
	for _, e := range d.entries(path, n, "a mapping of integration names to their settings") {
		p := join(path, e.key)
		if !integrationNameRE.MatchString(e.key) {
			d.errorAt(p, e.k, "integration name %q is not valid: use up to 32 letters, digits, hyphens and underscores", clip(e.key))
		}
		if in, ok := d.integration(p, e.key, e.v); ok {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (d *decoder) integration(path, name string, n *yaml.Node) (Integration, bool) {
	in := Integration{Name: name}
	typ := lookupKey(n, "type")
	if isNull(n) {
		d.errorAt(path, d.at(path), "integration %q has no settings: give it a type (%s) and its settings", clip(name), oneOf(integrationTypes))
		return in, false
	}
	if n.Kind != yaml.MappingNode {
		d.entries(path, n, "a mapping with type and its settings")
		return in, false
	}
	if !d.require(path+".type", typ, "type is required: use one of %s", oneOf(integrationTypes)) {
		return in, false
	}
	in.Type, _ = d.enum(path+".type", typ)
	if in.Type == IntegrationSlack {
		d.entries(path, n, "a mapping")
		d.refuse(path, "slack integrations are not supported: a deploy of this config is refused until you remove %s (berth delivers schedule and awsEventBridge integrations)", path)
		return in, true
	}
	keys, ok := integrationKeys[in.Type]
	if !ok {
		d.errorAt(path+".type", typ, "%q is not an integration type: use one of %s", clip(in.Type), oneOf(integrationTypes))
		return in, false
	}
	f := d.fields(path, n, keys)
	if d.require(path+".webhookPath", f["webhookPath"], "webhookPath is required: the path on this container that receives each event as a POST, e.g. /events") {
		in.WebhookPath, _ = d.str(path+".webhookPath", f["webhookPath"])
	}
	switch in.Type {
	case IntegrationSchedule:
		if d.require(path+".schedule", f["schedule"], "schedule is required: e.g. rate(5 minutes) or cron(0 12 * * ? *)") {
			in.Schedule, _ = d.str(path+".schedule", f["schedule"])
		}
	case IntegrationEventBridge:
		if pat := f["pattern"]; d.require(path+".pattern", pat, "pattern is required: an EventBridge event pattern, e.g. pattern: { source: [aws.s3] }") {
			if pat.Kind == yaml.MappingNode && len(pat.Content) > 0 {
				in.Pattern = toAny(pat).(map[string]any)
			} else {
				d.errorAt(path+".pattern", pat, "must be an EventBridge event pattern (a non-empty mapping such as { source: [aws.s3], detail-type: [Object Created] }), got %s", describe(pat))
			}
		}
	}
	return in, true
}

// checkIntegrations validates what the deploy would refuse: expressions Scheduler does
// not take, patterns PutRule refuses, webhook paths that are not one concrete path, and
// on Lambda more than one webhookPath (Lambda Web Adapter has one pass-through path).
// slack integrations, which berth cannot deliver yet, are refusals (see integration).
func (d *decoder) checkIntegrations(path string, ct *Container) {
	first := ""
	for _, in := range ct.Integrations {
		p := join(path, in.Name)
		if in.Type == IntegrationSlack {
			continue
		}
		if ct.Compute.Type == ComputeLambda && in.WebhookPath != "" {
			if first == "" {
				first = in.WebhookPath
			} else if in.WebhookPath != first && d.known(p+".webhookPath") {
				d.fail(p+".webhookPath", "%s differs from %s used by another integration of this container: on awsLambda every event reaches the app through Lambda Web Adapter's one pass-through path, so give all of them the same webhookPath", d.quote(p+".webhookPath", in.WebhookPath), strconv.Quote(first))
			}
		}
		if wp := p + ".webhookPath"; d.has(wp) {
			if problem, hint := healthCheckProblem(in.WebhookPath); problem != "" {
				d.bad(wp, in.WebhookPath, strings.Replace(problem, "e.g. /health", "e.g. /events", 1), hint)
			}
		}
		if sp := p + ".schedule"; d.has(sp) {
			if problem := scheduleProblem(in.Schedule); problem != "" {
				d.bad(sp, in.Schedule, problem, "")
			}
		}
		if in.Pattern != nil {
			if b, _ := json.Marshal(in.Pattern); len(b) > maxEventPatternBytes {
				d.fail(p+".pattern", "the event pattern is %d bytes as JSON; EventBridge accepts at most %d", len(b), maxEventPatternBytes)
			}
		}
	}
}

// scheduleProblem checks an EventBridge Scheduler rate or cron expression
// (docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html).
func scheduleProblem(s string) string {
	const want = "use rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. rate(5 minutes) or cron(0 12 * * ? *)"
	if strings.Contains(s, "${") {
		return "holds a variable, and variables under integrations are not resolved; write the expression itself: " + want
	}
	if m := rateRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		switch {
		case err != nil || n < 1:
			return "is not a valid rate: the value must be a whole number of at least 1"
		case n == 1 && strings.HasSuffix(m[2], "s"):
			return fmt.Sprintf("is not a valid rate: a rate of 1 takes the singular unit, rate(1 %s)", strings.TrimSuffix(m[2], "s"))
		case n > 1 && !strings.HasSuffix(m[2], "s"):
			return fmt.Sprintf("is not a valid rate: a rate above 1 takes the plural unit, rate(%d %ss)", n, m[2])
		}
		return ""
	}
	if m := cronRE.FindStringSubmatch(s); m != nil {
		f := strings.Fields(m[1])
		switch {
		case len(f) != 6:
			return fmt.Sprintf("is not a valid cron expression: it has %d fields, AWS cron expressions have 6 (minutes hours day-of-month month day-of-week year)", len(f))
		case (f[2] == "?") == (f[4] == "?"):
			return `is not a valid cron expression: exactly one of day-of-month (3rd field) and day-of-week (5th field) must be "?", e.g. cron(0 12 * * ? *)`
		}
		return ""
	}
	return "is not a schedule expression: " + want
}

// refuse records something a valid config holds but the deployer refuses: a warning for
// validate and plan, and a Config.Refusals entry the deploy turns into an error.
func (d *decoder) refuse(path, format string, args ...any) {
	d.warn(path, format, args...)
	d.refusals = append(d.refusals, d.warns[len(d.warns)-1])
}
