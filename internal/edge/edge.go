// Package edge holds berth's CloudFront edge code and its encodings: the router (a
// CloudFront Function reading one KeyValueStore key per route), the Lambda@Edge body
// signer, and the route keys and values the router reads. It is pure Go with no AWS SDK
// so the planner can import it; README.md documents the formats and limits.
package edge

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/berth-dev/berth/internal/runtimes"
)

// Limits CloudFront sets for a KeyValueStore entry and a function's code.
const (
	MaxKeyBytes    = 512
	MaxValueBytes  = 1024
	MaxRouterBytes = 10240
	// MaxPrefixSegments is the deepest prefix a "<prefix>/*" pattern may have: the router
	// looks up at most this many segments (router.js MAX_SEGMENTS), so a deeper prefix
	// pattern could never match.
	MaxPrefixSegments = 12
)

// RouterRuntime is the CloudFront Functions runtime router.js is written for.
const RouterRuntime = "cloudfront-js-2.0"

// BodySignerRuntime is the Lambda@Edge runtime bodysigner.js is written for; its handler
// is "index.handler" when the source is packaged as index.js. It comes from the runtime
// table, which a test holds to AWS's deprecation dates.
const BodySignerRuntime = runtimes.BodySigner

//go:embed router.js
var routerTemplate string

//go:embed bodysigner.js
var bodySignerSource string

// Template tokens in router.js. The host-routing token sits in a comment before a
// boolean literal so the template stays valid, type-checkable JavaScript.
const (
	tokKVSID       = "__BERTH_KVS_ID__"
	tokHostRouting = "/*__BERTH_HOST_ROUTING__*/false"
	tokALBOriginID = "__BERTH_ALB_ORIGIN_ID__"
	tokPrefix      = "__BERTH_"
)

// RouterParams are the values rendered into the router.
type RouterParams struct {
	// KeyValueStoreARN is the store's ARN, arn:aws:cloudfront::<account>:key-value-store/<id>.
	// The router gets the id (the ARN's last segment): that is what cf.kvs() takes.
	KeyValueStoreARN string
	// HostRouting turns on "host/path" keys; set it when any container has routing.domain.
	HostRouting bool
	// ALBOriginID is the distribution's origin id for the ALB; "" when there is none (an
	// ALB route then answers 502 bad-route instead of selecting a missing origin).
	ALBOriginID string
}

var (
	kvsARNRE      = regexp.MustCompile(`^arn:aws[a-z-]*:cloudfront::[0-9]{12}:key-value-store/([0-9a-fA-F-]{36})$`)
	albOriginIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
)

// KeyValueStoreID returns the id cf.kvs() expects, taken from a KeyValueStore ARN.
func KeyValueStoreID(arn string) (string, error) {
	m := kvsARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", fmt.Errorf("edge: %q is not a CloudFront KeyValueStore ARN (arn:aws:cloudfront::<account>:key-value-store/<id>)", arn)
	}
	return m[1], nil
}

// RenderRouter returns the router source for p, exactly as it is to be published.
func RenderRouter(p RouterParams) (string, error) {
	id, err := KeyValueStoreID(p.KeyValueStoreARN)
	if err != nil {
		return "", err
	}
	// Values go into JavaScript string literals unescaped, so only plain characters pass.
	if p.ALBOriginID != "" && !albOriginIDRE.MatchString(p.ALBOriginID) {
		return "", fmt.Errorf("edge: ALB origin id %q: want 1-128 of [A-Za-z0-9._:-], not starting with punctuation", p.ALBOriginID)
	}
	src := routerTemplate
	for _, r := range []struct{ tok, val string }{
		{tokKVSID, id},
		{tokHostRouting, fmt.Sprint(p.HostRouting)},
		{tokALBOriginID, p.ALBOriginID},
	} {
		if strings.Count(src, r.tok) != 1 {
			return "", fmt.Errorf("edge: router template must hold %s exactly once", r.tok)
		}
		src = strings.Replace(src, r.tok, r.val, 1)
	}
	if strings.Contains(src, tokPrefix) {
		return "", fmt.Errorf("edge: router template has an unknown %s… token", tokPrefix)
	}
	if len(src) > MaxRouterBytes {
		return "", fmt.Errorf("edge: rendered router is %d bytes, CloudFront allows %d", len(src), MaxRouterBytes)
	}
	return src, nil
}

// RouterTemplateSHA256 is the hex SHA-256 of the router template. It changes with berth's
// router code, not with RouterParams: a plan must compare those separately.
func RouterTemplateSHA256() string { return sha256Hex(routerTemplate) }

// BodySignerSource is the Lambda@Edge body signer (CommonJS, exports.handler).
func BodySignerSource() string { return bodySignerSource }

// BodySignerSHA256 is the hex SHA-256 of BodySignerSource.
func BodySignerSHA256() string { return sha256Hex(bodySignerSource) }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
