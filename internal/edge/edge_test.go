package edge

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

const (
	testARN   = "arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-0123456789ab"
	testKVSID = "a1b2c3d4-5678-90ab-cdef-0123456789ab"
	testFnURL = "abcdefghijklmnop0123456789abcdef.lambda-url.eu-west-1.on.aws"
)

func TestRouteKey(t *testing.T) {
	for _, c := range []struct{ domain, pattern, want string }{
		{"", "/api/*", "/api/*"},
		{"", "/", "/"},
		{"api.example.com", "/api/*", "api.example.com/api/*"},
		{"API.Example.COM", "/*", "api.example.com/*"},
		{"api.example.com.", "/x", "api.example.com/x"},
	} {
		if got := RouteKey(c.domain, c.pattern); got != c.want {
			t.Errorf("RouteKey(%q, %q) = %q, want %q", c.domain, c.pattern, got, c.want)
		}
		if err := ValidateRouteKey(RouteKey(c.domain, c.pattern)); err != nil {
			t.Errorf("ValidateRouteKey(%q): %v", c.want, err)
		}
	}
}

func TestValidateRouteKey(t *testing.T) {
	for _, ok := range []string{"/", "/*", "/api", "/api/", "/api/*", "/a/b/c/*", "shop.example.com/cart/*", "/files/%20x"} {
		if err := ValidateRouteKey(ok); err != nil {
			t.Errorf("ValidateRouteKey(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{
		"", "api", "*", "/api*", "/*/x", "/a/*/*", "/a?b", "/a#b", "/a b", "/é",
		"Shop.example.com/x", "shop..example.com/x", "shop.example.com:443/x",
		"/" + strings.Repeat("x", MaxKeyBytes),
	} {
		if err := ValidateRouteKey(bad); err == nil {
			t.Errorf("ValidateRouteKey(%q) = nil, want an error", bad)
		}
	}
	if err := ValidateRouteKey("/" + strings.Repeat("x", MaxKeyBytes-1)); err != nil {
		t.Errorf("a %d-byte key: %v", MaxKeyBytes, err)
	}
}

func TestPrefixPatternsDeeperThanTheRouterLooksAreRefused(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("/s", n) }
	for _, c := range []struct {
		key string
		ok  bool
	}{
		{deep(MaxPrefixSegments) + "/*", true},
		{deep(MaxPrefixSegments+1) + "/*", false},
		{"shop.example.com" + deep(MaxPrefixSegments+1) + "/*", false},
		{deep(40), true}, // exact paths are looked up whatever their depth
	} {
		if err := ValidateRouteKey(c.key); (err == nil) != c.ok {
			t.Errorf("ValidateRouteKey(%q) = %v, want ok=%v", c.key, err, c.ok)
		}
	}
}

func TestTheRouterLooksAsDeepAsGoAllows(t *testing.T) {
	want := fmt.Sprintf("const MAX_SEGMENTS = %d;", MaxPrefixSegments)
	if !strings.Contains(routerTemplate, want) {
		t.Errorf("router.js does not declare %q: edge.MaxPrefixSegments and the router disagree", want)
	}
}

func TestEncodeValue(t *testing.T) {
	for _, c := range []struct {
		v    RouteValue
		want string
	}{
		{RouteValue{Container: "api", Target: TargetLambda, Domain: testFnURL}, `{"v":1,"c":"api","t":"l","d":"` + testFnURL + `"}`},
		{RouteValue{Container: "web_2.x-y", Target: TargetALB}, `{"v":1,"c":"web_2.x-y","t":"a"}`},
	} {
		got, err := EncodeValue(c.v)
		if err != nil || got != c.want {
			t.Errorf("EncodeValue(%+v) = %q, %v; want %q", c.v, got, err, c.want)
			continue
		}
		back, err := DecodeValue(got)
		if err != nil || back != c.v {
			t.Errorf("DecodeValue(%q) = %+v, %v; want %+v", got, back, err, c.v)
		}
	}
}

func TestEncodeValueRefuses(t *testing.T) {
	for name, v := range map[string]RouteValue{
		"empty container":       {Target: TargetALB},
		"container with space":  {Container: "a b", Target: TargetALB},
		"container with CRLF":   {Container: "a\r\nx-evil: 1", Target: TargetALB},
		"container too long":    {Container: strings.Repeat("c", 129), Target: TargetALB},
		"unknown target":        {Container: "api", Target: "fargate"},
		"lambda without domain": {Container: "api", Target: TargetLambda},
		"lambda with a URL":     {Container: "api", Target: TargetLambda, Domain: "https://" + testFnURL + "/"},
		"lambda, not a fn URL":  {Container: "api", Target: TargetLambda, Domain: "evil.example.com"},
		"lambda, upper case":    {Container: "api", Target: TargetLambda, Domain: strings.ToUpper(testFnURL)},
		"alb with a domain":     {Container: "api", Target: TargetALB, Domain: testFnURL},
	} {
		if s, err := EncodeValue(v); err == nil {
			t.Errorf("%s: EncodeValue = %q, want an error", name, s)
		}
	}
}

func TestEncodeValueFitsEvenAtTheLimits(t *testing.T) {
	// The longest valid container and domain still leave the value far below 1 KB.
	v := RouteValue{Container: strings.Repeat("c", 128), Target: TargetLambda,
		Domain: strings.Repeat("a", 180) + ".lambda-url.ap-southeast-4.on.aws"}
	s, err := EncodeValue(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) > MaxValueBytes {
		t.Fatalf("%d bytes", len(s))
	}
}

func TestDecodeValue(t *testing.T) {
	ok := map[string]RouteValue{
		`{"v":1,"c":"api","t":"a"}`:                         {Container: "api", Target: TargetALB},
		`{"v":1.0,"c":"api","t":"a"}`:                       {Container: "api", Target: TargetALB},
		` {"t":"a","c":"api","v":1} `:                       {Container: "api", Target: TargetALB},
		`{"v":1,"c":"api","t":"a","d":"ignored.on.aws"}`:    {Container: "api", Target: TargetALB},
		`{"v":1,"c":"api","t":"l","d":"` + testFnURL + `"}`: {Container: "api", Target: TargetLambda, Domain: testFnURL},
		`{"v":1,"c":"api","t":"a","future":true}`:           {Container: "api", Target: TargetALB},
	}
	for s, want := range ok {
		got, err := DecodeValue(s)
		if err != nil || got != want {
			t.Errorf("DecodeValue(%s) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	// Everything the router answers 502 bad-route for (router.test.js "malformed values").
	for _, bad := range []string{
		``, `api`, `null`, `[]`, `{}`, `{"v":1,"c":"api","t":"a"}x`, `{"v":1,"c":"api","t":"a"}{}`,
		`{"v":2,"c":"api","t":"l","d":"` + testFnURL + `"}`,
		`{"v":"1","c":"api","t":"a"}`,
		`{"c":"api","t":"a"}`,
		`{"v":1,"c":"api","t":"x"}`,
		`{"v":1,"c":"api","t":"l"}`,
		`{"v":1,"c":"api","t":"l","d":"` + testFnURL + `/evil"}`,
		`{"v":1,"c":"api\nx-evil: 1","t":"a"}`,
		`{"v":1,"c":"","t":"a"}`,
		`{"v":1,"c":"api","t":"a","pad":"` + strings.Repeat("x", MaxValueBytes) + `"}`,
	} {
		if v, err := DecodeValue(bad); err == nil {
			t.Errorf("DecodeValue(%.60q) = %+v, want an error", bad, v)
		}
	}
}

func TestFunctionURLDomain(t *testing.T) {
	for in, want := range map[string]string{
		"https://" + testFnURL + "/":               testFnURL,
		"https://" + testFnURL:                     testFnURL,
		"https://ABC.lambda-url.us-east-1.on.aws/": "abc.lambda-url.us-east-1.on.aws",
	} {
		if got, err := FunctionURLDomain(in); err != nil || got != want {
			t.Errorf("FunctionURLDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", testFnURL, "http://" + testFnURL + "/", "https://" + testFnURL + ":8443/", "https://" + testFnURL + "/x", "https://example.com/"} {
		if got, err := FunctionURLDomain(bad); err == nil {
			t.Errorf("FunctionURLDomain(%q) = %q, want an error", bad, got)
		}
	}
}

func TestKeyValueStoreID(t *testing.T) {
	if id, err := KeyValueStoreID(testARN); err != nil || id != testKVSID {
		t.Fatalf("KeyValueStoreID = %q, %v", id, err)
	}
	for _, bad := range []string{"", testKVSID, testARN + "x", "arn:aws:cloudfront::123456789012:function/router",
		"arn:aws:cloudfront::12345:key-value-store/" + testKVSID} {
		if id, err := KeyValueStoreID(bad); err == nil {
			t.Errorf("KeyValueStoreID(%q) = %q, want an error", bad, id)
		}
	}
}

func TestRenderRouter(t *testing.T) {
	for _, p := range []RouterParams{
		{KeyValueStoreARN: testARN, HostRouting: true, ALBOriginID: "berth-alb"},
		{KeyValueStoreARN: testARN, HostRouting: false, ALBOriginID: ""},
		{KeyValueStoreARN: "arn:aws-cn:cloudfront::123456789012:key-value-store/" + testKVSID, ALBOriginID: "alb:my-app.prod"},
	} {
		src, err := RenderRouter(p)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		for _, want := range []string{
			"import cf from 'cloudfront';",
			"cf.kvs('" + testKVSID + "')",
			"const HOST_ROUTING = " + map[bool]string{true: "true", false: "false"}[p.HostRouting] + ";",
			"const ALB_ORIGIN_ID = '" + p.ALBOriginID + "';",
		} {
			if !strings.Contains(src, want) {
				t.Errorf("%+v: rendered router lacks %q", p, want)
			}
		}
		if strings.Contains(src, "__BERTH_") || strings.Contains(src, "arn:") {
			t.Errorf("%+v: a placeholder or the ARN is left in the router", p)
		}
		again, _ := RenderRouter(p)
		if again != src {
			t.Errorf("%+v: rendering is not deterministic", p)
		}
	}
}

func TestRenderRouterRefuses(t *testing.T) {
	for name, p := range map[string]RouterParams{
		"no ARN":              {},
		"bare id":             {KeyValueStoreARN: testKVSID},
		"quote in origin id":  {KeyValueStoreARN: testARN, ALBOriginID: "alb'); evil('"},
		"space in origin id":  {KeyValueStoreARN: testARN, ALBOriginID: "my alb"},
		"origin id too long":  {KeyValueStoreARN: testARN, ALBOriginID: strings.Repeat("a", 129)},
		"leading punctuation": {KeyValueStoreARN: testARN, ALBOriginID: "-alb"},
	} {
		if _, err := RenderRouter(p); err == nil {
			t.Errorf("%s: RenderRouter succeeded, want an error", name)
		}
	}
}

// The published router must stay within CloudFront's 10 KB, with the longest values
// RenderRouter accepts.
func TestRouterSize(t *testing.T) {
	src, err := RenderRouter(RouterParams{KeyValueStoreARN: testARN, HostRouting: true, ALBOriginID: strings.Repeat("a", 128)})
	if err != nil {
		t.Fatal(err)
	}
	if len(src) > MaxRouterBytes {
		t.Fatalf("router is %d bytes, limit %d", len(src), MaxRouterBytes)
	}
	t.Logf("router: %d bytes rendered (template %d), %d to spare", len(src), len(routerTemplate), MaxRouterBytes-len(src))
}

func TestSHA256s(t *testing.T) {
	for name, c := range map[string]struct {
		file string
		got  string
	}{
		"router":     {"router.js", RouterTemplateSHA256()},
		"bodysigner": {"bodysigner.js", BodySignerSHA256()},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if want := hex.EncodeToString(sum[:]); c.got != want {
			t.Errorf("%s: %s, want %s", name, c.got, want)
		}
	}
	if BodySignerSource() == "" || !strings.Contains(BodySignerSource(), "exports.handler") {
		t.Error("BodySignerSource is not the CommonJS handler")
	}
}

// kvsStoreBytes is the KeyValueStore's total size limit, 5 MB, taken as 5,000,000 bytes
// so the arithmetic holds whichever megabyte AWS means.
const kvsStoreBytes = 5_000_000

// Sizing: 2,000 routes fit even if every key and value were at CloudFront's maximum.
func TestTwoThousandRoutesFit(t *testing.T) {
	if worst := 2000 * (MaxKeyBytes + MaxValueBytes); worst > kvsStoreBytes {
		t.Fatalf("2,000 maximal routes take %d bytes, store holds %d", worst, kvsStoreBytes)
	}
	// A realistic route: a host-specific key and a Lambda value.
	key := RouteKey("api.example.com", "/api/v1/orders/*")
	val, err := EncodeValue(RouteValue{Container: "orders-service", Target: TargetLambda, Domain: testFnURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("typical route: %d-byte key + %d-byte value; %d such routes fit", len(key), len(val), kvsStoreBytes/(len(key)+len(val)))
}
