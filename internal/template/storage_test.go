package template

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestBucketsAreVersionedPrivateEncryptedAndTLSOnly(t *testing.T) {
	c := loadTemplate(t)
	for bucket, policy := range map[string]string{"ConfigBucket": "ConfigBucketPolicy", "ArtifactsBucket": "ArtifactsBucketPolicy"} {
		p := c.props(bucket)
		if scalar(path(p, "VersioningConfiguration", "Status")) != "Enabled" {
			t.Errorf("%s is not versioned", bucket)
		}
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if scalar(path(p, "PublicAccessBlockConfiguration", k)) != "true" {
				t.Errorf("%s: %s is not true", bucket, k)
			}
		}
		sse := get(p, "BucketEncryption")
		if sse == nil || !strings.Contains(toString(cfnValue(sse)), "SSEAlgorithm") {
			t.Errorf("%s has no default encryption", bucket)
		}
		if !strings.Contains(toString(cfnValue(get(p, "OwnershipControls"))), "BucketOwnerEnforced") {
			t.Errorf("%s: ACLs should be disabled (BucketOwnerEnforced)", bucket)
		}
		if scalar(get(c.resource(bucket), "DeletionPolicy")) != "Retain" {
			t.Errorf("%s: want DeletionPolicy Retain", bucket)
		}
		if r, _ := refName(cfnValue(get(c.props(policy), "Bucket"))); r != bucket {
			t.Fatalf("%s is not %s's policy", policy, bucket)
		}
		found := false
		for _, s := range c.statements(t) {
			if s.doc.owner != policy || s.effect != "Deny" {
				continue
			}
			b, _ := s.condition["Bool"].(map[string]any)
			if b["aws:SecureTransport"] != "false" || !containsAction(s.actions, "s3:*") {
				continue
			}
			var res []string
			for _, r := range asList(s.resource) {
				res = append(res, toString(pseudoBerth.render(r)))
			}
			found = contains(res, "<"+bucket+".Arn>") && contains(res, "<"+bucket+".Arn>/*")
		}
		if !found {
			t.Errorf("%s does not deny s3:* without TLS on the bucket and its objects", policy)
		}
	}
	if scalar(path(c.props("ConfigBucket"), "NotificationConfiguration", "EventBridgeConfiguration", "EventBridgeEnabled")) != "true" {
		t.Error("the config bucket does not send events to EventBridge: uploads would not deploy")
	}
}

func TestArtifactsExpireOnlyUnderDeploymentsAfter90Days(t *testing.T) {
	c := loadTemplate(t)
	found := false
	for _, r := range asList(cfnValue(path(c.props("ArtifactsBucket"), "LifecycleConfiguration", "Rules"))) {
		rule := r.(map[string]any)
		days, expires := rule["ExpirationInDays"]
		if !expires {
			continue
		}
		prefix, _ := rule["Prefix"].(string)
		if f, ok := rule["Filter"].(map[string]any); ok {
			prefix, _ = f["Prefix"].(string)
		}
		if prefix != "deployments/" {
			t.Errorf("lifecycle rule %v expires current objects outside deployments/ (applied/ must never expire)", rule["Id"])
		}
		found = days == 90 && rule["Status"] == "Enabled"
	}
	if !found {
		t.Error("no enabled rule expires deployments/ after 90 days")
	}
}

func TestTheStateTableIsOnDemandWithPITRAndEncryption(t *testing.T) {
	c := loadTemplate(t)
	p := c.props("StateTable")
	want := map[string]any{
		"BillingMode":                      "PAY_PER_REQUEST",
		"AttributeDefinitions":             []any{map[string]any{"AttributeName": "pk", "AttributeType": "S"}, map[string]any{"AttributeName": "sk", "AttributeType": "S"}},
		"KeySchema":                        []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "sk", "KeyType": "RANGE"}},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		"SSESpecification":                 map[string]any{"SSEEnabled": true},
	}
	got := cfnValue(p).(map[string]any)
	for k, v := range want {
		if !jsonEqual(t, got[k], v) {
			t.Errorf("StateTable.%s = %v, want %v", k, got[k], v)
		}
	}
	if scalar(get(c.resource("StateTable"), "DeletionPolicy")) != "Retain" {
		t.Error("StateTable: want DeletionPolicy Retain")
	}
}

// cfn-lint must pass with zero errors and zero warnings. Not skipped when cfn-lint is
// missing: the template is only as good as this check.
func TestCfnLintPassesWithZeroErrorsAndWarnings(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is not installed: pip install cfn-lint")
	}
	cmd := exec.Command(bin, "--format", "parseable", "--", "template.yaml")
	cmd.Dir = repoRoot(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || strings.TrimSpace(out.String()) != "" {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out.String())
	}
}
