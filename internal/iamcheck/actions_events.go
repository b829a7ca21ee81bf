package iamcheck

// EventBridge (Service Authorization Reference, "Amazon EventBridge"): rules on the default
// bus are rule/<name> and support aws:ResourceTag; PutRule with tags carries
// aws:RequestTag and is also authorized as events:TagResource; PutTargets carries
// events:TargetArn, and a target's RoleArn is passed to events.amazonaws.com. PutEvents
// (drift findings) goes to the default bus with events:source. Connections and API
// destinations are connection/<name> and api-destination/<name> and take no tags.
func (b *builder) events() bool {
	op := b.c.Operation
	rule := func(field string) string { return b.arn("events", b.c.Region, "rule/"+b.in(field)) }
	switch op {
	case "DescribeConnection", "CreateConnection", "UpdateConnection", "DeleteConnection":
		b.add("events:"+op, b.arn("events", b.c.Region, "connection/"+b.in("Name")))
	case "DescribeApiDestination", "CreateApiDestination", "UpdateApiDestination", "DeleteApiDestination":
		b.add("events:"+op, b.arn("events", b.c.Region, "api-destination/"+b.in("Name")))
	case "PutEvents":
		b.add("events:PutEvents", b.arn("events", b.c.Region, "event-bus/default"),
			map[string][]string{"events:source": deep(b.c.Input, "Entries", "Source")})
	case "DescribeRule", "DeleteRule":
		b.add("events:"+op, rule("Name"), ownedTags)
	case "ListTagsForResource":
		b.add("events:ListTagsForResource", b.in("ResourceARN"), ownedTags)
	case "ListTargetsByRule", "RemoveTargets":
		b.add("events:"+op, rule("Rule"), ownedTags)
	case "PutTargets":
		b.add("events:PutTargets", rule("Rule"), ownedTags, map[string][]string{"events:TargetArn": deep(b.c.Input, "Targets", "Arn")})
		for _, role := range deep(b.c.Input, "Targets", "RoleArn") {
			b.passRole(role, "events.amazonaws.com")
		}
	case "PutRule":
		if t := b.tagged(); t != nil { // a new rule: it has no tags yet
			b.add("events:PutRule", rule("Name"), t)
			b.tagOnCreate("events:TagResource", rule("Name"))
		} else {
			b.add("events:PutRule", rule("Name"), ownedTags)
		}
	default:
		return false
	}
	return true
}
