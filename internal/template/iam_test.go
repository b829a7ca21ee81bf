package template

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// policyDoc is one IAM policy document of the template.
type policyDoc struct {
	owner string // logical id of the resource holding it
	kind  string // identity | resource | trust | boundary
	node  *yaml.Node
}

// statement is one statement of a policy document (both branches of an !If count).
type statement struct {
	doc                policyDoc
	node               *yaml.Node
	sid, effect        string
	actions, notAction []string
	resource           any // cfnValue of Resource
	condition          map[string]any
	principal          any
}

func (s statement) String() string {
	return fmt.Sprintf("%s statement %q (template.yaml:%d)", s.doc.owner, s.sid, s.node.Line)
}

func (s statement) allows() bool { return s.effect == "Allow" }

// resourceStar reports whether Resource is "*" or a list containing "*".
func (s statement) resourceStar() bool {
	for _, r := range strs(s.resource) {
		if r == "*" {
			return true
		}
	}
	return false
}

// conditionKeys lists every condition key of the statement, whatever the operator.
func (s statement) conditionKeys() map[string]any {
	out := map[string]any{}
	for _, block := range s.condition {
		if m, ok := block.(map[string]any); ok {
			for k, v := range m {
				out[k] = v
			}
		}
	}
	return out
}

// policyDocs collects every policy document: role inline policies and trust policies,
// managed policies, the SAM state machines' and functions' Policies, bucket and queue
// policies.
func (c *cfnTemplate) policyDocs() []policyDoc {
	var out []policyDoc
	for _, name := range keys(c.resources()) {
		p := c.props(name)
		switch scalar(get(c.resource(name), "Type")) {
		case "AWS::IAM::Role":
			out = append(out, policyDoc{name, "trust", get(p, "AssumeRolePolicyDocument")})
			if pol := get(p, "Policies"); pol != nil {
				for _, e := range pol.Content {
					out = append(out, policyDoc{name, "identity", get(e, "PolicyDocument")})
				}
			}
		case "AWS::IAM::ManagedPolicy":
			kind := "identity"
			if name == "BerthRoleBoundary" {
				kind = "boundary"
			}
			out = append(out, policyDoc{name, kind, get(p, "PolicyDocument")})
		case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy":
			out = append(out, policyDoc{name, "resource", get(p, "PolicyDocument")})
		case "AWS::Serverless::Function", "AWS::Serverless::StateMachine":
			if pol := get(p, "Policies"); pol != nil && pol.Kind == yaml.SequenceNode {
				for _, e := range pol.Content {
					if get(e, "Statement") != nil {
						out = append(out, policyDoc{name, "identity", e})
					}
				}
			}
		}
	}
	return out
}

// statementNodes expands a Statement list: a mapping is a statement, an !If contributes
// whichever of its branches are statements (not !Ref AWS::NoValue).
func statementNodes(list *yaml.Node) []*yaml.Node {
	if list == nil {
		return nil
	}
	if list.Kind == yaml.MappingNode {
		return []*yaml.Node{list}
	}
	var out []*yaml.Node
	for _, e := range list.Content {
		switch {
		case e.Tag == "!If" && e.Kind == yaml.SequenceNode && len(e.Content) == 3:
			for _, branch := range e.Content[1:] {
				if branch.Kind == yaml.MappingNode && branch.Tag != "!Ref" {
					out = append(out, branch)
				}
			}
		case e.Kind == yaml.MappingNode:
			out = append(out, e)
		}
	}
	return out
}

func (c *cfnTemplate) statements(t testing.TB) []statement {
	t.Helper()
	var out []statement
	for _, d := range c.policyDocs() {
		if d.node == nil {
			t.Fatalf("%s: a policy without a document", d.owner)
		}
		for _, n := range statementNodes(get(d.node, "Statement")) {
			s := statement{doc: d, node: n, sid: scalar(get(n, "Sid")), effect: scalar(get(n, "Effect")),
				actions: strs(cfnValue(get(n, "Action"))), notAction: strs(cfnValue(get(n, "NotAction"))),
				resource: cfnValue(get(n, "Resource")), principal: cfnValue(get(n, "Principal"))}
			if cond, ok := cfnValue(get(n, "Condition")).(map[string]any); ok {
				s.condition = cond
			}
			out = append(out, s)
		}
	}
	if len(out) < 50 {
		t.Fatalf("found only %d statements: the collector is broken", len(out))
	}
	return out
}

func (c *cfnTemplate) identityStatements(t testing.TB) []statement {
	var out []statement
	for _, s := range c.statements(t) {
		if s.doc.kind == "identity" {
			out = append(out, s)
		}
	}
	return out
}

var serviceWildcard = regexp.MustCompile(`^[a-z0-9-]+:\*$`)

func TestNoAllowStatementGrantsEveryActionOrAWholeService(t *testing.T) {
	c := loadTemplate(t)
	for _, s := range c.statements(t) {
		if !s.allows() {
			continue // a Deny may be broad: it only takes away
		}
		for _, a := range s.actions {
			if a == "*" || serviceWildcard.MatchString(a) {
				t.Errorf("%s allows %q", s, a)
			}
		}
	}
}

func TestNotActionAppearsOnlyInThePermissionsBoundaryWhichGrantsNothing(t *testing.T) {
	c := loadTemplate(t)
	for _, s := range c.statements(t) {
		if len(s.notAction) > 0 && s.doc.kind != "boundary" {
			t.Errorf("%s uses NotAction outside the permissions boundary", s)
		}
	}
}

func TestEveryAllowStatementHasASid(t *testing.T) {
	c := loadTemplate(t)
	for _, s := range c.statements(t) {
		if s.allows() && s.doc.kind != "trust" && s.sid == "" {
			t.Errorf("%s: give it a Sid that says what it is for", s)
		}
	}
}

// TestEveryResourceStarStatementSaysWhy checks the raw text: a comment naming
// Resource "*" must sit in the comment block right above the statement (or above its
// Resource key), or on the Resource line itself.
func TestEveryResourceStarStatementSaysWhy(t *testing.T) {
	c := loadTemplate(t)
	found := 0
	for _, s := range c.statements(t) {
		if !s.resourceStar() {
			continue
		}
		found++
		res := keyNode(s.node, "Resource")
		var comment []string
		comment = append(comment, c.commentAbove(s.node.Line)...)
		if res != nil {
			comment = append(comment, c.commentAbove(res.Line)...)
			if _, after, ok := strings.Cut(c.lines[res.Line-1], "#"); ok {
				comment = append(comment, after)
			}
		}
		text := strings.Join(comment, " ")
		if !strings.Contains(text, `Resource "*"`) || len(text) < 60 {
			t.Errorf("%s uses Resource \"*\" without a comment (line above the statement or on its Resource line) starting `# Resource \"*\":` and saying why", s)
		}
	}
	if found == 0 {
		t.Fatal("no Resource \"*\" statement found: the check is not looking")
	}
}

// keyNode returns the key node of key in mapping n.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// commentAbove returns the contiguous comment lines right above 1-based line.
func (c *cfnTemplate) commentAbove(line int) []string {
	var out []string
	for i := line - 2; i >= 0; i-- {
		l := strings.TrimSpace(c.lines[i])
		if !strings.HasPrefix(l, "#") {
			break
		}
		out = append([]string{strings.TrimSpace(strings.TrimPrefix(l, "#"))}, out...)
	}
	return out
}

func TestNoPolicyAnywhereNamesPrincipalStar(t *testing.T) {
	c := loadTemplate(t)
	var walk func(n *yaml.Node)
	checked := 0
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "Principal" {
					checked++
					if hasStar(cfnValue(n.Content[i+1])) {
						t.Errorf("template.yaml:%d: Principal names \"*\"", n.Content[i].Line)
					}
				}
			}
		}
		for _, e := range n.Content {
			walk(e)
		}
	}
	walk(c.root)
	if checked == 0 {
		t.Fatal("no Principal found: the check is not looking")
	}
}

func hasStar(v any) bool {
	switch x := v.(type) {
	case string:
		return x == "*"
	case []any:
		for _, e := range x {
			if hasStar(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasStar(e) {
				return true
			}
		}
	}
	return false
}

var (
	berthRoleArn = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/berth-*"
	// scheduler.amazonaws.com: schedule integrations invoke a function through a berth role.
	// events.amazonaws.com: Fargate integrations' rules call an API destination through a
	// berth role; codebuild.amazonaws.com: the shared build project runs as the build role.
	passTargets = map[string]bool{"lambda.amazonaws.com": true, "ecs-tasks.amazonaws.com": true, "edgelambda.amazonaws.com": true,
		"scheduler.amazonaws.com": true, "events.amazonaws.com": true, "codebuild.amazonaws.com": true}
)

func TestPassRoleGoesOnlyToLambdaAndEcsTasksAndOnlyForBerthOrListedRoles(t *testing.T) {
	c := loadTemplate(t)
	found := 0
	for _, s := range c.statements(t) {
		if !s.allows() || !containsAction(s.actions, "iam:PassRole") {
			continue
		}
		found++
		if len(s.actions) != 1 {
			t.Errorf("%s: keep iam:PassRole in a statement of its own", s)
		}
		eq, _ := s.condition["StringEquals"].(map[string]any)
		services := strs(eq["iam:PassedToService"])
		if len(services) == 0 {
			t.Errorf("%s: iam:PassRole without a StringEquals iam:PassedToService condition", s)
		}
		for _, svc := range services {
			if !passTargets[svc] {
				t.Errorf("%s: passes roles to %s", s, svc)
			}
		}
		for _, r := range asList(s.resource) {
			if sub, ok := subString(r); ok && (sub == berthRoleArn || strings.HasPrefix(sub, strings.TrimSuffix(berthRoleArn, "*")) && !strings.Contains(sub, "*")) {
				continue
			}
			if ref, ok := refName(r); ok && ref == "PassRoleArns" {
				continue
			}
			t.Errorf("%s: passes %v; only %s or the PassRoleArns parameter", s, r, berthRoleArn)
		}
	}
	if found < 2 {
		t.Fatalf("found %d iam:PassRole statements, want compute's and cdn's at least", found)
	}
}

func TestPassingUserRolesIsAddedOnlyWhenPassRoleArnsIsSet(t *testing.T) {
	c := loadTemplate(t)
	cond := cfnValue(path(c.root, "Conditions", "HasPassRoleArns"))
	want := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Fn::Join": []any{"", map[string]any{"Ref": "PassRoleArns"}}}, ""}}}}
	if !jsonEqual(t, cond, want) {
		t.Errorf("HasPassRoleArns = %v, want %v", cond, want)
	}
	if d := scalar(path(c.root, "Parameters", "PassRoleArns", "Default")); d != "" {
		t.Errorf("PassRoleArns defaults to %q, want empty", d)
	}
	found := false
	for _, n := range get(path(c.props("ComputeApplyPolicy"), "PolicyDocument"), "Statement").Content {
		if n.Tag == "!If" && scalar(n.Content[0]) == "HasPassRoleArns" {
			found = scalar(get(n.Content[1], "Sid")) == "PassUserRolesToLambdaAndEcsTasks" &&
				n.Content[2].Tag == "!Ref" && n.Content[2].Value == "AWS::NoValue"
		}
	}
	if !found {
		t.Error("ComputeApplyPolicy should hold !If [HasPassRoleArns, <PassUserRolesToLambdaAndEcsTasks>, !Ref AWS::NoValue]")
	}
}

func containsAction(actions []string, want string) bool {
	for _, a := range actions {
		if strings.EqualFold(a, want) {
			return true
		}
	}
	return false
}

// applyPolicies create, change and delete app resources.
var applyPolicies = []string{"ComputeApplyPolicy", "IntegrationsAndImagesApplyPolicy", "EcsApplyPolicy", "AlbApplyPolicy", "CdnApplyPolicy"}

// notTagScoped are the apply statements that cannot carry berth's ownership tag
// conditions, and what limits them instead.
var notTagScoped = map[string]string{
	"PassBerthRolesToLambdaAndEcsTasks":   "iam:PassedToService + role/berth-* (tested separately)",
	"PassUserRolesToLambdaAndEcsTasks":    "iam:PassedToService + the roles the user listed",
	"PassEdgeRoleToLambdaEdge":            "iam:PassedToService + role/berth-*",
	"CreateEcsServiceLinkedRoles":         "iam:AWSServiceName",
	"CreateElbServiceLinkedRole":          "iam:AWSServiceName",
	"CreateEdgeServiceLinkedRoles":        "iam:AWSServiceName",
	"DeregisterTaskDefinitions":           "no resource-level permissions, no tag keys",
	"ScaleEcsServicesOnly":                "scalable targets have random ids; application-autoscaling:service-namespace = ecs",
	"TargetTrackingAlarmsOfBerthServices": "alarm names of berth-* services",
	"IngressRulesOfOwnedGroups":           "a rule ARN grants nothing without the owned group",
	"SetWebAclRequiredByWafAssociation":   "no resource-level permissions",
	"AssociateUserWebAclsWithBerthAlbs":   "WAF offers no tag keys for the load balancer; berth-* load balancers only",
	"CreateOriginAccessControls":          "OACs take no tags and CreateOriginAccessControl has no resource-level permissions",
	"ChangeBerthRouterFunctions":          "function/berth-* only (CloudFront's SAR lists no tag keys for these actions)",
	"ChangeOriginAccessControls":          "OACs take no tags and have id ARNs",
	"CreateSecurityGroupsInVpcs":          "the VPC half of CreateSecurityGroup; the group half needs the request tag",
	"LetLambdaPullFromListedRepositories": "only the ECR repositories the installer listed (ImageRepositoryArns)",
	"ValidationAndAliasRecordsOnly":       "records take no tags; record types A, AAAA, CNAME only",
	"ReplicateEdgeFunctions":              "checked by CloudFront on berth-* edge function versions",
	"ManageSchedulesInBerthGroups":        "schedules take no tags; schedule/berth-*/berth-* only, and berth checks the group's tags",
	"PassBerthRolesToScheduler":           "iam:PassedToService scheduler.amazonaws.com + role/berth-*",
	"WriteRoutes":                         "KeyValueStore data-plane actions take no condition keys (SAR); berth checks the store's tags before every write",
	// Not yet tag-scoped (follow-up: ECR and CodeBuild offer aws:ResourceTag/aws:RequestTag;
	// iamcheck's ECR/CodeBuild mappings must carry the tags first): names only.
	"ManageBerthRepositoriesAndPushImages":              "repository/berth-* only (follow-up: aws:ResourceTag/berth:app)",
	"ManageSharedBuildProjectsAndStartBuilds":           "project/berth-shared-build-* only (follow-up: aws:ResourceTag/berth:shared)",
	"PassTheBuildRoleToCodeBuild":                       "iam:PassedToService codebuild.amazonaws.com + the one shared build role",
	"PassBerthRolesToEventBridge":                       "iam:PassedToService events.amazonaws.com + role/berth-*",
	"ManageBerthEventConnections":                       "connections take no tags: connection/berth-* only, and berth checks its marker in the description",
	"ManageBerthApiDestinations":                        "API destinations take no tags: api-destination/berth-* only, and berth checks its marker in the description",
	"CreateEventBridgeApiDestinationsServiceLinkedRole": "iam:AWSServiceName",
}

var ownershipKeys = []string{"aws:ResourceTag/berth:app", "aws:RequestTag/berth:app", "iam:PermissionsBoundary",
	"ec2:CreateAction", "elasticloadbalancing:CreateAction",
	// the account's shared body signer and its role (provision.TagShared)
	"aws:ResourceTag/berth:shared", "aws:RequestTag/berth:shared"}

func isRead(action string) bool {
	_, verb, _ := strings.Cut(action, ":")
	for _, p := range []string{"Get", "List", "Describe", "BatchGet"} {
		if strings.HasPrefix(verb, p) {
			return true
		}
	}
	return false
}

func TestChangesRequireBerthsOwnershipTagAndCreationCarriesIt(t *testing.T) {
	c := loadTemplate(t)
	seen := map[string]bool{}
	for _, s := range c.statements(t) {
		if !s.allows() || !contains(applyPolicies, s.doc.owner) {
			continue
		}
		seen[s.sid] = true
		mutating := false
		for _, a := range s.actions {
			mutating = mutating || !isRead(a)
		}
		if !mutating {
			continue
		}
		if _, ok := notTagScoped[s.sid]; ok {
			if len(s.condition) == 0 && s.resourceStar() && s.sid != "DeregisterTaskDefinitions" &&
				s.sid != "SetWebAclRequiredByWafAssociation" && s.sid != "CreateOriginAccessControls" {
				t.Errorf("%s: neither a condition nor a scoped resource", s)
			}
			continue
		}
		keys := s.conditionKeys()
		ok := false
		for _, k := range ownershipKeys {
			_, has := keys[k]
			ok = ok || has
		}
		if !ok {
			t.Errorf("%s changes resources without a berth ownership condition (%s); add one or list it in notTagScoped with the reason",
				s, strings.Join(ownershipKeys, ", "))
		}
	}
	for sid := range notTagScoped {
		if !seen[sid] {
			t.Errorf("notTagScoped lists %q, which no apply policy has any more", sid)
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// namedKinds are ARN fragments of resources berth names: an Allow statement naming one
// must stay inside berth's namespace.
var namedKinds = []struct {
	fragment string
	allowed  []string
}{
	{":function:", []string{":function:berth-*"}},
	{":role/", []string{":role/berth-*", ":role/berth-shared-build-role", ":role/aws-service-role/*"}},
	{":log-group:", []string{":log-group:/aws/lambda/berth-*", ":log-group:/berth/*", ":log-group:/aws/codebuild/berth-shared-build-*:log-stream:*"}},
	{":cluster/", []string{":cluster/berth-*"}},
	{":service/", []string{":service/berth-*/berth-*"}},
	{":task-definition/", []string{":task-definition/berth-*:*"}},
	{":loadbalancer/app/", []string{":loadbalancer/app/berth-*/*"}},
	{":targetgroup/", []string{":targetgroup/berth-*/*"}},
	{":listener/app/", []string{":listener/app/berth-*/*"}},
	{":listener-rule/app/", []string{":listener-rule/app/berth-*/*"}},
	{"cloudfront::123456789012:function/", []string{":function/berth-*"}},
	{":alarm:", []string{":alarm:TargetTracking-service/berth-*", ":alarm:berth-*-alarm"}},
}

func TestNamedResourcesStayInsideBerthsNamespace(t *testing.T) {
	c := loadTemplate(t)
	for _, s := range c.identityStatements(t) {
		if !s.allows() {
			continue
		}
		for _, r := range asList(s.resource) {
			if _, _, ok := getAtt(r); ok {
				continue // one of the template's own resources
			}
			arn := toString(pseudoBerth.render(r))
			for _, k := range namedKinds {
				if !strings.Contains(arn, k.fragment) {
					continue
				}
				ok := false
				for _, a := range k.allowed {
					ok = ok || strings.HasSuffix(arn, a)
				}
				if !ok {
					t.Errorf("%s: %s is outside berth's names (%s)", s, arn, strings.Join(k.allowed, " or "))
				}
			}
		}
	}
}

func TestAppRolesAreCreatedAndGivenPoliciesOnlyInsideTheBoundary(t *testing.T) {
	c := loadTemplate(t)
	boundary := map[string]any{"Ref": "BerthRoleBoundary"}
	// IAM supplies iam:PermissionsBoundary only for these actions (Service Authorization
	// Reference, IAM: condition keys per action) ...
	needBoundary := map[string]bool{"iam:CreateRole": true, "iam:PutRolePolicy": true, "iam:AttachRolePolicy": true,
		"iam:DeleteRolePolicy": true, "iam:DetachRolePolicy": true, "iam:PutRolePermissionsBoundary": true}
	// ... so these must be scoped by the ownership tag: a condition on an absent key never
	// matches, and the grant would be dead.
	needTag := map[string]bool{"iam:UpdateAssumeRolePolicy": true, "iam:DeleteRole": true}
	forbidden := []string{"iam:DeleteRolePermissionsBoundary", "iam:CreatePolicy",
		"iam:CreatePolicyVersion", "iam:UntagRole", "lambda:UntagResource", "logs:UntagResource"}
	seen := map[string]bool{}
	for _, s := range c.statements(t) {
		if !s.allows() || s.doc.kind != "identity" {
			continue
		}
		for _, a := range s.actions {
			if contains(forbidden, a) {
				t.Errorf("%s allows %s", s, a)
			}
			if needTag[a] {
				seen[a] = true
				if _, ok := s.conditionKeys()["iam:PermissionsBoundary"]; ok {
					t.Errorf("%s conditions %s on iam:PermissionsBoundary, which IAM does not supply for it: never allowed", s, a)
				}
				if _, ok := s.conditionKeys()["aws:ResourceTag/berth:app"]; !ok {
					t.Errorf("%s allows %s without the aws:ResourceTag/berth:app condition", s, a)
				}
				continue
			}
			if !needBoundary[a] {
				continue
			}
			seen[a] = true
			eq, _ := s.condition["StringEquals"].(map[string]any)
			if !jsonEqual(t, eq["iam:PermissionsBoundary"], boundary) {
				t.Errorf("%s allows %s without StringEquals iam:PermissionsBoundary = !Ref BerthRoleBoundary", s, a)
			}
			if a == "iam:AttachRolePolicy" {
				arns, _ := s.condition["ArnEquals"].(map[string]any)
				got := map[string]bool{}
				for _, p := range asList(arns["iam:PolicyARN"]) {
					sub, _ := subString(p)
					got[strings.TrimPrefix(sub, "arn:${AWS::Partition}:iam::aws:policy/")] = true
				}
				for _, want := range planManagedPolicies(t) {
					if !got[want] {
						t.Errorf("%s: internal/plan attaches %s, which iam:PolicyARN does not allow", s, want)
					}
					delete(got, want)
				}
				for extra := range got {
					t.Errorf("%s: iam:PolicyARN allows %s, which internal/plan never attaches", s, extra)
				}
			}
		}
	}
	for a := range needTag {
		needBoundary[a] = true
	}
	for a := range needBoundary {
		if !seen[a] {
			t.Errorf("no statement allows %s: the iam provisioner needs it", a)
		}
	}
	if v := cfnValue(path(c.props("ComputeFunction"), "Environment", "Variables", "BERTH_ROLE_BOUNDARY_ARN")); !jsonEqual(t, v, boundary) {
		t.Errorf("compute's BERTH_ROLE_BOUNDARY_ARN = %v, want !Ref BerthRoleBoundary", v)
	}
}

// planManagedPolicies lists the AWS managed policies internal/plan attaches to roles
// (b.managedPolicy("service-role/...") calls).
func planManagedPolicies(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "internal", "plan", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`managedPolicy\("([^"]+)"\)`)
	set := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			set[m[1]] = true
		}
	}
	if len(set) == 0 {
		t.Fatal("internal/plan attaches no managed policy? the scan is broken")
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestTheBoundaryDeniesBerthsStateWorkflowAndFunctions(t *testing.T) {
	c := loadTemplate(t)
	var denied []string
	for _, s := range c.statements(t) {
		if s.doc.owner != "BerthRoleBoundary" {
			continue
		}
		if s.allows() {
			for _, a := range []string{"iam:*", "organizations:*", "account:*"} {
				if !contains(s.notAction, a) {
					t.Errorf("%s: the ceiling must exclude %s", s, a)
				}
			}
			if len(s.actions) > 0 {
				t.Errorf("%s: the boundary's Allow is a ceiling (NotAction), not a grant", s)
			}
			continue
		}
		for _, r := range asList(s.resource) {
			denied = append(denied, toString(pseudoBerth.render(r)))
		}
	}
	all := strings.Join(denied, " ")
	for _, want := range []string{"<ConfigBucket.Arn>", "<ArtifactsBucket.Arn>", "<StateTable.Arn>", ":stateMachine:berth-deploy",
		":stateMachine:berth-remove", ":function:berth-compute", ":function:berth-api"} {
		if !strings.Contains(all, want) {
			t.Errorf("BerthRoleBoundary does not deny %s", want)
		}
	}
}

func TestBerthsOwnFunctionsAndLogGroupsAreProtectedAndNothingOfItsOwnLooksLikeAnApp(t *testing.T) {
	c := loadTemplate(t)
	tags := cfnValue(path(c.root, "Globals", "Function", "Tags")).(map[string]any)
	if ref, _ := refName(tags["berth:installation"]); ref != "AWS::StackName" {
		t.Errorf("Globals.Function.Tags[berth:installation] = %v, want !Ref AWS::StackName", tags["berth:installation"])
	}
	for _, lg := range c.resourcesOfType("AWS::Logs::LogGroup") {
		found := false
		for _, tag := range asList(cfnValue(get(c.props(lg), "Tags"))) {
			m, _ := tag.(map[string]any)
			found = found || m["Key"] == "berth:installation"
		}
		if !found {
			t.Errorf("log group %s lacks the berth:installation tag ProtectBerthPolicy relies on", lg)
		}
	}
	// Every role that can tag or change function:berth-* or /aws/lambda/berth-* must
	// carry the protection.
	for _, role := range c.resourcesOfType("AWS::IAM::Role") {
		changes := false
		for _, s := range c.roleStatements(t, role) {
			for _, a := range s.actions {
				changes = changes || a == "lambda:TagResource" || a == "logs:TagResource"
			}
		}
		if changes && !c.roleHasManaged(role, "ProtectBerthPolicy") {
			t.Errorf("%s may tag functions or log groups but lacks ProtectBerthPolicy", role)
		}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.ScalarNode && n.Value == "berth:app" {
			// allowed only inside condition keys (aws:RequestTag/berth:app is another scalar)
			t.Errorf("template.yaml:%d: a resource of berth itself is tagged berth:app (that is the ownership tag of app resources)", n.Line)
		}
		for _, e := range n.Content {
			walk(e)
		}
	}
	walk(c.resources())
}

// roleStatements returns the statements of a role: inline and attached managed policies.
func (c *cfnTemplate) roleStatements(t testing.TB, role string) []statement {
	var out []statement
	managed := map[string]bool{}
	for _, m := range asList(cfnValue(get(c.props(role), "ManagedPolicyArns"))) {
		if r, ok := refName(m); ok {
			managed[r] = true
		}
	}
	for _, s := range c.statements(t) {
		if (s.doc.owner == role && s.doc.kind == "identity") || (managed[s.doc.owner] && s.doc.kind == "identity") {
			out = append(out, s)
		}
	}
	return out
}

func (c *cfnTemplate) roleHasManaged(role, policy string) bool {
	for _, m := range asList(cfnValue(get(c.props(role), "ManagedPolicyArns"))) {
		if r, ok := refName(m); ok && r == policy {
			return true
		}
	}
	return false
}

func TestEveryRoleOfBerthItselfLivesUnderTheBerthPathNotInsideRoleBerthStar(t *testing.T) {
	c := loadTemplate(t)
	for _, role := range c.resourcesOfType("AWS::IAM::Role") {
		if p := scalar(get(c.props(role), "Path")); p != "/berth/" {
			t.Errorf("%s: Path %q, want /berth/ (role/berth/<name> never matches role/berth-*)", role, p)
		}
		if get(c.props(role), "RoleName") != nil {
			t.Errorf("%s: let CloudFormation name it", role)
		}
	}
	for _, p := range c.resourcesOfType("AWS::IAM::ManagedPolicy") {
		if scalar(get(c.props(p), "Path")) != "/berth/" {
			t.Errorf("managed policy %s: want Path /berth/", p)
		}
	}
	for _, fn := range c.resourcesOfType("AWS::Serverless::Function") {
		r, attr, ok := getAtt(cfnValue(get(c.props(fn), "Role")))
		if !ok || attr != "Arn" || scalar(get(c.resource(r), "Type")) != "AWS::IAM::Role" {
			t.Errorf("%s: want Role: !GetAtt <its AWS::IAM::Role>.Arn (SAM's generated role would add AWSLambdaBasicExecutionRole)", fn)
		}
		if get(c.props(fn), "Policies") != nil {
			t.Errorf("%s: Policies are ignored next to Role; put them on the role", fn)
		}
		for _, ev := range keys(get(c.props(fn), "Events")) {
			e := path(c.props(fn), "Events", ev)
			if scalar(get(e, "Type")) == "ScheduleV2" && get(get(e, "Properties"), "RoleArn") == nil {
				t.Errorf("%s event %s: give the schedule an explicit role under /berth/ (RoleArn)", fn, ev)
			}
		}
	}
	for _, sm := range c.resourcesOfType("AWS::Serverless::StateMachine") {
		if scalar(get(c.props(sm), "RolePath")) != "/berth/" {
			t.Errorf("%s: want RolePath /berth/", sm)
		}
		if get(c.props(sm), "Events") != nil {
			t.Errorf("%s: SAM state machine events generate roles outside /berth/; declare the rule and its role explicitly", sm)
		}
	}
}

func TestOnlyTheFunctionsThatStartDeploymentsMayStartThemAndAMachineOnlyItsOwnChildren(t *testing.T) {
	c := loadTemplate(t)
	want := map[string]bool{"CommitFunctionRole": true, "UnlockFunctionRole": true, "ApiFunctionRole": true,
		"DriftFunctionRole": true, "ConfigUploadedRuleRole": true}
	ownMachine := map[string]string{
		"DeployStateMachine": "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-deploy",
		"RemoveStateMachine": "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-remove"}
	got := map[string]bool{}
	for _, s := range c.statements(t) {
		if s.allows() && containsAction(s.actions, "states:StartExecution") {
			if own, ok := ownMachine[s.doc.owner]; ok {
				// A Distributed Map's child executions: the machine itself, nothing else.
				for _, r := range asList(s.resource) {
					if arn := toString(pseudoBerth.render(r)); arn != own {
						t.Errorf("%s starts %s: a state machine may start only its own child executions (%s)", s, arn, own)
					}
				}
				continue
			}
			got[s.doc.owner] = true
			for _, r := range asList(s.resource) {
				arn := toString(pseudoBerth.render(r))
				if arn != "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-deploy" &&
					arn != "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-remove" && arn != "<DeployStateMachine>" {
					t.Errorf("%s starts %s", s, arn)
				}
				if strings.HasSuffix(arn, "berth-remove") && s.doc.owner != "ApiFunctionRole" {
					t.Errorf("%s: only the API starts removals", s)
				}
			}
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("%s cannot start deploy executions", r)
		}
	}
	for r := range got {
		if !want[r] {
			t.Errorf("%s may start executions but has no reason to", r)
		}
	}
}

// iamReference is cfn-lint's copy of the Service Authorization Reference: per service
// prefix, per lower-case action, the resource types the action can be scoped to (none:
// Resource must be "*").
type iamReference map[string]struct {
	Actions map[string]struct {
		Resources []string `json:"Resources"`
	} `json:"Actions"`
}

var iamRef iamReference

func loadIAMReference(t testing.TB) iamReference {
	t.Helper()
	if iamRef != nil {
		return iamRef
	}
	var file string
	for _, py := range []string{"python3", "python"} {
		out, err := exec.Command(py, "-c",
			"import cfnlint, os; print(os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'AdditionalSpecs', 'Policies.json'))").Output()
		if err == nil {
			file = strings.TrimSpace(string(out))
			break
		}
	}
	if file == "" {
		t.Fatal("cannot find cfn-lint's IAM action data: install cfn-lint (pip install cfn-lint) for python3")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var ref iamReference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	iamRef = ref
	return ref
}

// lookup returns whether the action exists and the resource types it can be scoped to.
func (r iamReference) lookup(action string) (exists bool, resourceTypes []string) {
	svc, name, _ := strings.Cut(action, ":")
	s, ok := r[strings.ToLower(svc)]
	if !ok {
		return false, nil
	}
	if strings.ContainsAny(name, "*?") {
		re := regexp.MustCompile("^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(strings.ToLower(name))) + "$")
		for a, v := range s.Actions {
			if re.MatchString(a) {
				exists = true
				resourceTypes = append(resourceTypes, v.Resources...)
			}
		}
		return exists, resourceTypes
	}
	a, ok := s.Actions[strings.ToLower(name)]
	return ok, a.Resources
}

func TestEveryActionNamedExistsInTheIAMReference(t *testing.T) {
	c := loadTemplate(t)
	ref := loadIAMReference(t)
	for _, s := range c.statements(t) {
		for _, a := range append(append([]string{}, s.actions...), s.notAction...) {
			if s.doc.kind == "trust" || (a == "*" && !s.allows()) {
				continue // a Deny of everything (the boundary's cross-app denies) names no action
			}
			if ok, _ := ref.lookup(a); !ok {
				t.Errorf("%s: %s is not an IAM action", s, a)
			}
		}
	}
}

func TestResourceStarIsUsedExactlyForActionsWithoutResourceLevelPermissions(t *testing.T) {
	c := loadTemplate(t)
	ref := loadIAMReference(t)
	for _, s := range c.statements(t) {
		if !s.allows() || s.doc.kind == "trust" || s.doc.kind == "boundary" || s.doc.kind == "resource" {
			continue
		}
		for _, a := range s.actions {
			_, types := ref.lookup(a)
			switch {
			case s.resourceStar() && len(types) > 0:
				t.Errorf("%s: %s can be scoped to %v, so it does not belong in a Resource \"*\" statement", s, a, types)
			case !s.resourceStar() && len(types) == 0:
				t.Errorf("%s: %s has no resource-level permissions; scoped to an ARN it never matches (give it Resource \"*\" with a comment)", s, a)
			}
		}
	}
}

// Sizes: IAM limits managed policies to 6,144 characters and a role's inline policies to
// 10,240 (whitespace excluded) and, by default, a role to 10 managed policies. The
// estimate renders the documents with long names (a 40-character stack name, GovCloud).
var longNames = pseudo{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012",
	StackName: "berth-production-eu-central-platform-01", URLSuffix: "amazonaws.com",
	Refs: map[string]string{
		"ConfigBucket.Arn":    "arn:aws-us-gov:s3:::berth-production-eu-central-platform-01-configbucket-1a2b3c4d5e6f",
		"ArtifactsBucket.Arn": "arn:aws-us-gov:s3:::berth-production-eu-central-platform-01-artifactsbucket-1a2b3c4d5e6f",
		"StateTable.Arn":      "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/berth-production-eu-central-platform-01-StateTable-1A2B3C4D5E6F",
		"BerthRoleBoundary":   "arn:aws-us-gov:iam::123456789012:policy/berth/berth-production-eu-central-platform-01-BerthRoleBoundary-1A2B3C4D5E6F",
	}}

func policySize(t testing.TB, n *yaml.Node) int {
	b, err := json.Marshal(longNames.render(cfnValue(n)))
	if err != nil {
		t.Fatal(err)
	}
	return len(regexp.MustCompile(`\s`).ReplaceAll(b, nil))
}

func TestPoliciesStayWithinIAMSizeAndCountLimitsEvenWithLongNames(t *testing.T) {
	c := loadTemplate(t)
	for _, p := range c.resourcesOfType("AWS::IAM::ManagedPolicy") {
		if n := policySize(t, get(c.props(p), "PolicyDocument")); n > 6144 {
			t.Errorf("managed policy %s renders to %d characters; IAM allows 6,144 — split it", p, n)
		}
	}
	for _, role := range c.resourcesOfType("AWS::IAM::Role") {
		total := 0
		if pol := get(c.props(role), "Policies"); pol != nil {
			for _, e := range pol.Content {
				total += policySize(t, get(e, "PolicyDocument")) + len(scalar(get(e, "PolicyName")))
			}
		}
		if total > 10240 {
			t.Errorf("role %s: inline policies render to %d characters; IAM allows 10,240", role, total)
		}
		if n := len(asList(cfnValue(get(c.props(role), "ManagedPolicyArns")))); n > 10 {
			t.Errorf("role %s has %d managed policies; IAM allows 10 by default", role, n)
		}
	}
}

// The artifacts bucket prefixes internal/state (and internal/stage, for sources) write
// must be writable by someone, and no function may write a prefix neither uses.
func TestArtifactsPrefixGrantsMatchWhatTheStateStoreWrites(t *testing.T) {
	c := loadTemplate(t)
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "internal", "state", "*.go"))
	files = append(files, filepath.Join(repoRoot(t), "internal", "stage", "sources.go"))
	re := regexp.MustCompile(`(?:Sprintf\(|sourcesPrefix = )"([a-z]+)/`)
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) == 0 {
		t.Fatal("found no key prefix in internal/state: the scan is broken")
	}
	granted := map[string]bool{}
	for _, s := range c.identityStatements(t) {
		if !s.allows() || !containsAction(s.actions, "s3:PutObject") {
			continue
		}
		for _, r := range asList(s.resource) {
			sub, _ := subString(r)
			if rest, ok := strings.CutPrefix(sub, "${ArtifactsBucket.Arn}/"); ok {
				prefix, _, _ := strings.Cut(rest, "/")
				if prefix == "*" {
					t.Errorf("%s writes anywhere in the artifacts bucket; grant the prefix it writes", s)
				}
				granted[prefix] = true
				if !used[prefix] {
					t.Errorf("%s writes %s/, which internal/state and internal/stage never write", s, prefix)
				}
			}
		}
	}
	for p := range used {
		if !granted[p] {
			t.Errorf("berth writes %s/ in the artifacts bucket but no function may", p)
		}
	}
}
