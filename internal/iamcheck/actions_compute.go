package iamcheck

import "strings"

// Lambda (SAR "AWS Lambda"): function ARNs, qualified for versions; function resources
// support aws:ResourceTag; CreateFunction with Tags also needs lambda:TagResource and
// passes its role to lambda.amazonaws.com; URL configs carry lambda:FunctionUrlAuthType,
// AddPermission lambda:Principal.
func (b *builder) lambda() bool {
	fn := b.in("FunctionName")
	if fn == "" {
		fn = b.in("Resource")
	}
	arn := fn
	if !strings.HasPrefix(fn, "arn:") {
		arn = b.arn("lambda", b.c.Region, "function:"+fn)
	}
	if q := b.in("Qualifier"); q != "" {
		arn += ":" + q
	}
	op := b.c.Operation
	switch op {
	case "GetFunction", "GetFunctionConfiguration", "GetPolicy", "ListVersionsByFunction",
		"UpdateFunctionCode", "PublishVersion", "DeleteFunction", "DeleteFunctionUrlConfig", "RemovePermission",
		"GetFunctionUrlConfig", "ListTags":
		b.add("lambda:"+op, arn, ownedTags)
	case "UpdateFunctionConfiguration":
		b.add("lambda:"+op, arn, ownedTags)
		b.passRole(b.in("Role"), "lambda.amazonaws.com")
	case "CreateFunction":
		b.add("lambda:CreateFunction", arn, b.tagged())
		b.tagOnCreate("lambda:TagResource", arn)
		b.passRole(b.in("Role"), "lambda.amazonaws.com")
	case "CreateFunctionUrlConfig", "UpdateFunctionUrlConfig":
		b.add("lambda:"+op, arn, ownedTags, map[string][]string{"lambda:FunctionUrlAuthType": {b.in("AuthType")}})
	case "AddPermission":
		b.add("lambda:AddPermission", arn, ownedTags, map[string][]string{"lambda:Principal": {b.in("Principal")}})
	case "TagResource":
		b.add("lambda:TagResource", arn, ownedTags, b.tagged())
	default:
		return false
	}
	return true
}

// IAM (SAR "AWS Identity and Access Management"): role ARNs; roles support
// aws:ResourceTag and iam:ResourceTag; iam:PermissionsBoundary is supplied ONLY for
// AttachRolePolicy, CreateRole, DeleteRolePermissionsBoundary, DeleteRolePolicy,
// DetachRolePolicy, PutRolePermissionsBoundary and PutRolePolicy; iam:PolicyARN for
// Attach/DetachRolePolicy; iam:AWSServiceName for CreateServiceLinkedRole.
func (b *builder) iam() bool {
	role := "arn:" + b.a.Partition + ":iam::" + b.a.ID + ":role/" + b.in("RoleName")
	owned := map[string][]string{"aws:ResourceTag/berth:app": {"app"}, "iam:ResourceTag/berth:app": {"app"}}
	boundary := map[string][]string{}
	if b.a.RoleBoundary != "" {
		boundary["iam:PermissionsBoundary"] = []string{b.a.RoleBoundary}
	}
	op := b.c.Operation
	switch op {
	case "GetRole", "GetRolePolicy", "ListAttachedRolePolicies", "ListRolePolicies", "ListRoleTags",
		"UpdateAssumeRolePolicy", "DeleteRole":
		b.add("iam:"+op, role, owned)
	case "PutRolePolicy", "DeleteRolePolicy":
		b.add("iam:"+op, role, owned, boundary)
	case "AttachRolePolicy", "DetachRolePolicy":
		b.add("iam:"+op, role, owned, boundary, map[string][]string{"iam:PolicyARN": {b.in("PolicyArn")}})
	case "PutRolePermissionsBoundary":
		b.add("iam:"+op, role, owned, map[string][]string{"iam:PermissionsBoundary": {b.in("PermissionsBoundary")}})
	case "CreateRole":
		ctx := map[string][]string{}
		if pb := b.in("PermissionsBoundary"); pb != "" {
			ctx["iam:PermissionsBoundary"] = []string{pb}
		}
		b.add("iam:CreateRole", role, ctx, b.tagged())
		b.tagOnCreate("iam:TagRole", role)
	case "TagRole":
		b.add("iam:TagRole", role, owned, b.tagged())
	case "ListRoles":
		b.add("iam:ListRoles", "*")
	case "CreateServiceLinkedRole":
		svc := b.in("AWSServiceName")
		b.add("iam:CreateServiceLinkedRole", "arn:"+b.a.Partition+":iam::"+b.a.ID+":role/aws-service-role/"+svc+"/AWSServiceRole",
			map[string][]string{"iam:AWSServiceName": {svc}})
	default:
		return false
	}
	return true
}

// CloudWatch Logs: log-group ARNs (without the trailing ":*" of stream-level ARNs);
// log groups support aws:ResourceTag; CreateLogGroup with tags also needs logs:TagResource.
func (b *builder) logs() bool {
	name := b.in("LogGroupName")
	arn := b.arn("logs", b.c.Region, "log-group:"+name)
	if r := b.in("ResourceArn"); r != "" {
		arn = strings.TrimSuffix(r, ":*")
	}
	op := b.c.Operation
	switch op {
	case "DescribeLogGroups":
		b.add("logs:DescribeLogGroups", "*")
	case "ListTagsForResource", "ListTagsLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "DeleteLogGroup":
		b.add("logs:"+op, arn, ownedTags)
	case "GetLogEvents": // a failed build's log tail
		b.add("logs:GetLogEvents", arn+":log-stream:"+b.in("LogStreamName"))
	case "CreateLogGroup":
		b.add("logs:CreateLogGroup", arn, b.tagged())
		b.tagOnCreate("logs:TagResource", arn)
	default:
		return false
	}
	return true
}

// ECS: cluster/<name>, service/<cluster>/<name>, task-definition/<family>:<revision>;
// describes of task definitions, ListTaskDefinitions and DeregisterTaskDefinition have no
// resource-level permissions; Create*/Register* with tags need ecs:TagResource;
// RegisterTaskDefinition passes the task and execution roles to ecs-tasks.amazonaws.com.
func (b *builder) ecs() bool {
	cluster := lastSegment(b.in("Cluster"), "/")
	clusterArn := func(n string) string { return b.arn("ecs", b.c.Region, "cluster/"+lastSegment(n, "/")) }
	serviceArn := func(s string) string {
		if strings.HasPrefix(s, "arn:") {
			return s
		}
		return b.arn("ecs", b.c.Region, "service/"+cluster+"/"+s)
	}
	op := b.c.Operation
	switch op {
	case "DescribeClusters":
		for _, c := range fields(b.c.Input, "Clusters") {
			b.add("ecs:DescribeClusters", clusterArn(c), ownedTags)
		}
	case "DescribeServices":
		for _, s := range fields(b.c.Input, "Services") {
			b.add("ecs:DescribeServices", serviceArn(s), ownedTags)
		}
	case "DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition":
		b.add("ecs:"+op, "*")
	case "CreateCluster":
		arn := clusterArn(b.in("ClusterName"))
		b.add("ecs:CreateCluster", arn, b.tagged())
		b.tagOnCreate("ecs:TagResource", arn, map[string][]string{"ecs:CreateAction": {"CreateCluster"}})
	case "UpdateCluster", "DeleteCluster":
		b.add("ecs:"+op, clusterArn(b.in("Cluster")), ownedTags)
	case "CreateService":
		arn := serviceArn(b.in("ServiceName"))
		b.add("ecs:CreateService", arn, b.tagged())
		b.tagOnCreate("ecs:TagResource", arn, map[string][]string{"ecs:CreateAction": {"CreateService"}})
	case "UpdateService", "DeleteService":
		b.add("ecs:"+op, serviceArn(b.in("Service")), ownedTags)
	case "RegisterTaskDefinition":
		arn := b.arn("ecs", b.c.Region, "task-definition/"+b.in("Family")+":"+placeholder)
		b.add("ecs:RegisterTaskDefinition", arn, b.tagged())
		b.tagOnCreate("ecs:TagResource", arn, map[string][]string{"ecs:CreateAction": {"RegisterTaskDefinition"}})
		b.passRole(b.in("TaskRoleArn"), "ecs-tasks.amazonaws.com")
		b.passRole(b.in("ExecutionRoleArn"), "ecs-tasks.amazonaws.com")
	case "ListTagsForResource":
		b.add("ecs:ListTagsForResource", b.in("ResourceArn"), ownedTags)
	default:
		return false
	}
	return true
}

// Application Auto Scaling: scalable-target ARNs carry generated ids; the request
// carries application-autoscaling:service-namespace.
func (b *builder) aas() bool {
	target := b.arn("application-autoscaling", b.c.Region, "scalable-target/"+placeholder)
	ns := map[string][]string{"application-autoscaling:service-namespace": {b.in("ServiceNamespace")}}
	op := b.c.Operation
	switch op {
	case "DescribeScalableTargets", "DescribeScalingPolicies":
		b.add("application-autoscaling:"+op, "*")
	case "RegisterScalableTarget":
		b.add("application-autoscaling:"+op, target, ns)
		b.tagOnCreate("application-autoscaling:TagResource", target)
	case "DeregisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy":
		b.add("application-autoscaling:"+op, target, ns)
	default:
		return false
	}
	return true
}

// CloudWatch alarms: alarm:<name>; alarms support aws:ResourceTag and PutMetricAlarm
// aws:RequestTag (with cloudwatch:TagResource when tags are sent).
func (b *builder) cloudwatch() bool {
	alarm := func(n string) string { return b.arn("cloudwatch", b.c.Region, "alarm:"+n) }
	op := b.c.Operation
	switch op {
	case "DescribeAlarms", "DeleteAlarms":
		names := fields(b.c.Input, "AlarmNames")
		if len(names) == 0 {
			b.add("cloudwatch:"+op, "*")
		}
		for _, n := range names {
			b.add("cloudwatch:"+op, alarm(n), ownedTags)
		}
	case "ListTagsForResource":
		b.add("cloudwatch:ListTagsForResource", b.in("ResourceARN"), ownedTags)
	case "PutMetricAlarm":
		b.add("cloudwatch:PutMetricAlarm", alarm(b.in("AlarmName")), b.tagged())
		b.tagOnCreate("cloudwatch:TagResource", alarm(b.in("AlarmName")))
	default:
		return false
	}
	return true
}
