package plan

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// WebhookKeyHeader is the header EventBridge adds to each delivery to a Fargate
// container's webhookPath (the API key of the container's connection), and that the
// container's webhook listener rule requires.
const WebhookKeyHeader = "x-berth-webhook-key"

// webhookLabel keys the credential derivation apart from Fingerprint: a fingerprint's
// input always holds three "/", this label none, so no fingerprint shown in a plan is
// ever a credential.
const webhookLabel = "berth webhook credential"

// WebhookCredential is the API key of a Fargate container's EventBridge connection. It is
// derived, never stored: HMAC-SHA256 keyed with the installation's secret key, so the
// connection's provisioner (which hands it to EventBridge) and the listener rule's
// (which requires it) compute the same value and neither the plan nor the state holds
// it. Hex, because ALB header conditions compare case-insensitively and treat * and ? as
// wildcards (elbv2 HttpHeaderConditionConfig). Rotating the installation key rotates it.
func WebhookCredential(key []byte, app, stage, container string) string {
	k := hmac.New(sha256.New, key)
	k.Write([]byte(webhookLabel))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(app + "\x00" + stage + "\x00" + container))
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookRoute is the router's container value (RouteHeader) for a Fargate container's
// webhook paths: not a container name (those hold no "."), so the container's ordinary
// listener rule never matches it, and only the webhook rule, which also requires the
// credential, forwards it. A request to a webhook path without the credential matches no
// rule and gets the listener's 404.
func WebhookRoute(container string) string { return container + ".webhooks" }

// CredentialHeader is a header condition whose value is a WebhookCredential. The plan
// carries its Fingerprint only: a rotated key shows up as an update.
type CredentialHeader struct {
	Name        string `json:"name"`
	Container   string `json:"container"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// WebhookFingerprint is what the plan shows of a container's credential; "" without a key.
func WebhookFingerprint(key []byte, app, stage, container string) string {
	if len(key) == 0 {
		return ""
	}
	return Fingerprint(key, app, stage, WebhookKeyHeader+":"+container, WebhookCredential(key, app, stage, container))
}
