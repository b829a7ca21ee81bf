package edge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Route targets.
const (
	TargetLambda = "lambda"
	TargetALB    = "alb"
)

// valueVersion is the "v" of every value; the router refuses any other (502 bad-route).
const valueVersion = 1

// Wire codes for targets: values are kept short so thousands fit in the store.
var targetCodes = map[string]string{TargetLambda: "l", TargetALB: "a"}

var (
	// Container names become a header value and an ALB rule's match; the router accepts
	// exactly this alphabet.
	containerRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	// A Function URL host, in the commercial and China partitions.
	functionURLHostRE = regexp.MustCompile(`^[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.(aws|amazonwebservices\.com\.cn)$`)
	// A DNS name as the router sees Host: lower-case labels, no port.
	domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
)

// RouteKey is the KVS key of a route: the path pattern alone, or for a container with
// routing.domain the lower-cased domain followed by the pattern
// ("api.example.com/api/*"). The router builds its candidates the same way.
func RouteKey(domain, pathPattern string) string {
	if domain == "" {
		return pathPattern
	}
	return strings.TrimSuffix(strings.ToLower(domain), ".") + pathPattern
}

// ValidateRouteKey reports whether key is one the router can ever look up: at most
// MaxKeyBytes, an optional host, then "/" and either an exact path or a prefix pattern
// ending in "/*" with no other "*" and at most MaxPrefixSegments segments before it.
func ValidateRouteKey(key string) error {
	if len(key) > MaxKeyBytes {
		return fmt.Errorf("edge: route key is %d bytes, the KeyValueStore allows %d", len(key), MaxKeyBytes)
	}
	slash := strings.IndexByte(key, '/')
	if slash < 0 {
		return fmt.Errorf("edge: route key %q has no path", key)
	}
	if host := key[:slash]; host != "" && !domainRE.MatchString(host) {
		return fmt.Errorf("edge: route key %q: %q is not a lower-case domain", key, host)
	}
	if problem := PatternProblem(key[slash:]); problem != "" {
		return fmt.Errorf("edge: route key %q: %s", key, problem)
	}
	return nil
}

// PatternProblem says why the router can never match path pattern p (a pattern starting
// with "/"), or returns "". It is the one rule behind ValidateRouteKey and config
// validation, so `berth validate` refuses exactly what a deploy would.
func PatternProblem(p string) string {
	if i := strings.IndexByte(p, '*'); i >= 0 && (i != len(p)-1 || !strings.HasSuffix(p, "/*")) {
		return `'*' is allowed only as a final "/*"`
	}
	for _, c := range []byte(p) {
		if c <= ' ' || c >= 0x7f || c == '?' || c == '#' {
			return "paths are matched byte for byte as the viewer sends them, so only visible ASCII without '?' or '#' (percent-encode anything else, e.g. %C3%A9 for é)"
		}
	}
	if prefix, ok := strings.CutSuffix(p, "/*"); ok && strings.Count(prefix, "/") > MaxPrefixSegments {
		return fmt.Sprintf("the prefix before \"/*\" has %d segments; the router matches prefix patterns up to %d segments deep", strings.Count(prefix, "/"), MaxPrefixSegments)
	}
	return ""
}

// RouteValue is what a route key maps to.
type RouteValue struct {
	Container string
	Target    string // TargetLambda | TargetALB
	Domain    string // the Function URL's host, for TargetLambda only
}

// wireValue is the stored JSON; field order is fixed so encoding is deterministic.
type wireValue struct {
	V int    `json:"v"`
	C string `json:"c"`
	T string `json:"t"`
	D string `json:"d,omitempty"`
}

func (v RouteValue) validate() error {
	if !containerRE.MatchString(v.Container) {
		return fmt.Errorf("edge: container name %q: want 1-128 of [A-Za-z0-9_.-]", v.Container)
	}
	switch v.Target {
	case TargetLambda:
		if !functionURLHostRE.MatchString(v.Domain) || len(v.Domain) > 253 {
			return fmt.Errorf("edge: lambda route for %q: %q is not a Function URL host (<id>.lambda-url.<region>.on.aws)", v.Container, v.Domain)
		}
	case TargetALB:
		if v.Domain != "" {
			return fmt.Errorf("edge: alb route for %q has a domain %q", v.Container, v.Domain)
		}
	default:
		return fmt.Errorf("edge: route target %q: want %q or %q", v.Target, TargetLambda, TargetALB)
	}
	return nil
}

// EncodeValue returns the stored form of v, e.g. {"v":1,"c":"api","t":"l","d":"…on.aws"}.
func EncodeValue(v RouteValue) (string, error) {
	if err := v.validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(wireValue{V: valueVersion, C: v.Container, T: targetCodes[v.Target], D: v.Domain})
	if err != nil {
		return "", fmt.Errorf("edge: encode route value: %w", err)
	}
	if len(b) > MaxValueBytes {
		return "", fmt.Errorf("edge: route value is %d bytes, the KeyValueStore allows %d", len(b), MaxValueBytes)
	}
	return string(b), nil
}

// DecodeValue parses a stored value. Whatever it accepts, the router routes the same way
// (it is slightly stricter than the router: Function URL hosts only, names up to 128), so
// reading a store back tells what the edge will do with it.
func DecodeValue(s string) (RouteValue, error) {
	if len(s) > MaxValueBytes {
		return RouteValue{}, fmt.Errorf("edge: route value is %d bytes, the KeyValueStore allows %d", len(s), MaxValueBytes)
	}
	var w struct {
		V *float64 `json:"v"`
		C string   `json:"c"`
		T string   `json:"t"`
		D string   `json:"d"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(&w); err != nil {
		return RouteValue{}, fmt.Errorf("edge: route value %q: %w", s, err)
	}
	if dec.More() {
		return RouteValue{}, fmt.Errorf("edge: route value %q: trailing data", s)
	}
	if w.V == nil || *w.V != valueVersion {
		return RouteValue{}, fmt.Errorf("edge: route value %q: want \"v\":%d", s, valueVersion)
	}
	v := RouteValue{Container: w.C, Domain: w.D}
	switch w.T {
	case "l":
		v.Target = TargetLambda
	case "a":
		// The router ignores "d" on ALB routes.
		v.Target, v.Domain = TargetALB, ""
	default:
		return RouteValue{}, fmt.Errorf("edge: route value %q: unknown target %q", s, w.T)
	}
	if err := v.validate(); err != nil {
		return RouteValue{}, err
	}
	return v, nil
}

// FunctionURLDomain returns the host of a Function URL as Lambda reports it
// ("https://<id>.lambda-url.<region>.on.aws/"), ready for RouteValue.Domain.
func FunctionURLDomain(functionURL string) (string, error) {
	u, err := url.Parse(functionURL)
	if err != nil || u.Scheme != "https" || u.Port() != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("edge: %q is not a Function URL (https://<id>.lambda-url.<region>.on.aws/)", functionURL)
	}
	host := strings.ToLower(u.Hostname())
	if !functionURLHostRE.MatchString(host) {
		return "", fmt.Errorf("edge: %q is not a Function URL host", host)
	}
	return host, nil
}
