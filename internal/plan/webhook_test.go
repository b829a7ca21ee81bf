package plan

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestAFargateWebhookCredentialIsPlannedAsAFingerprintOnly(t *testing.T) {
	key := []byte("installation key")
	cfg := loadFile(t, filepath.Join("testdata", "configs", "integrations-fargate.yml"), "prod")
	d, err := Build(cfg, Target{Region: "eu-west-1", Account: "123456789012", FingerprintKey: key})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	cred := WebhookCredential(key, "jobs", "prod", "worker")
	if strings.Contains(strings.ToLower(string(raw)), cred) {
		t.Fatal("the plan holds the webhook credential")
	}
	fp := WebhookFingerprint(key, "jobs", "prod", "worker")
	if fp == "" || fp == cred || !strings.Contains(string(raw), fp) {
		t.Fatalf("the plan lacks the credential's fingerprint %q", fp)
	}
	if other := WebhookCredential([]byte("another key"), "jobs", "prod", "worker"); other == cred {
		t.Error("a new installation key does not rotate the credential")
	}
	if WebhookCredential(key, "jobs", "prod", "api") == cred {
		t.Error("two containers share a credential")
	}
}

func TestTheWebhookRouteMatchesNoContainersListenerRule(t *testing.T) {
	cfg := loadFile(t, filepath.Join("testdata", "configs", "integrations-fargate.yml"), "prod")
	d, err := Build(cfg, Target{Region: "eu-west-1", Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]ListenerRuleProps{}
	var table RouteTableProps
	for _, r := range d.Resources {
		switch r.Kind {
		case KindListenerRule:
			var p ListenerRuleProps
			if err := json.Unmarshal(r.Props, &p); err != nil {
				t.Fatal(err)
			}
			rules[r.ID] = p
		case KindRouteTable:
			if err := json.Unmarshal(r.Props, &table); err != nil {
				t.Fatal(err)
			}
		}
	}
	hook, plain := rules[ContainerID("worker", SuffixWebhookRule)], rules[ContainerID("worker", SuffixListenerRule)]
	if hook.Credential == nil || hook.Credential.Name != WebhookKeyHeader || plain.Credential != nil {
		t.Fatalf("webhook rule %+v, container rule %+v", hook, plain)
	}
	if hook.Priority == plain.Priority || hook.HeaderValue == plain.HeaderValue {
		t.Fatalf("the webhook rule shares the container rule's priority or header value: %+v %+v", hook, plain)
	}
	for _, path := range []string{"/jobs/nightly", "/jobs/orders"} {
		if rt := table.Routes[path]; rt.Container != hook.HeaderValue || rt.Target != RouteTargetALB {
			t.Errorf("route %s = %+v, want the webhook rule's header value %q", path, rt, hook.HeaderValue)
		}
	}
}
