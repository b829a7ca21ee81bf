// berth router: CloudFront Functions, runtime cloudfront-js-2.0, viewer-request.
// A template: internal/edge (Go) fills its three placeholder tokens and publishes the result
// unchanged. Match order, value format and error codes: internal/edge/README.md.
// The runtime is ES5.1 plus a few later features, so: no for-of, no optional chaining,
// no async closures.
import cf from 'cloudfront';

// The store's id (the UUID ending its ARN), as the runtime expects. cf.kvs() would also
// find the one associated store unnamed; naming it pins the code to the store berth
// rendered it for.
const kvs = cf.kvs('__BERTH_KVS_ID__');
// true when any container has routing.domain: try "host/path" keys before "/path" ones.
/** @type {boolean} */
const HOST_ROUTING = /*__BERTH_HOST_ROUTING__*/false;
// The distribution's ALB origin id; '' when the app has no Fargate container.
/** @type {string} */
const ALB_ORIGIN_ID = '__BERTH_ALB_ORIGIN_ID__';

// Lookups per request are bounded by path depth, never by the number of routes. A prefix
// pattern ("<p>/*") is looked up only when <p> has at most MAX_SEGMENTS segments;
// config validation refuses deeper prefix patterns (edge.MaxPrefixSegments in Go).
const MAX_SEGMENTS = 12;
// KVS keys are at most 512 bytes. URIs and Host reach the function as ASCII, so length is
// bytes; a longer candidate cannot be a route and is never sent to the store.
const MAX_KEY = 512;
const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const HOST_RE = /^[a-z0-9.-]+$/;

// Route patterns that can match uri, most specific first: the exact path, then one segment
// dropped at a time as a prefix pattern down to "/*". As in SCF, CloudFront and ALB path
// patterns, "<p>/*" matches "<p>/" and below but not the bare "<p>" (route that with an
// exact "<p>" pattern). Paths deeper than MAX_SEGMENTS start from their MAX_SEGMENTS-deep
// prefix.
/** @param {string} uri */
function candidates(uri) {
  const segs = uri.split('/'); // "/a/b" -> ["", "a", "b"]; "/a/" -> ["", "a", ""]
  const n = segs.length - 1;
  const out = [uri];
  for (let k = Math.min(n - 1, MAX_SEGMENTS); k >= 0; k--) {
    out.push(segs.slice(0, k + 1).join('/') + '/*');
  }
  return out;
}

// The Host as a key prefix: lower-cased, without port or trailing dot. '' (no host keys)
// for IP literals and anything that cannot be a custom domain.
/** @param {string} v */
function routeHost(v) {
  let s = v.toLowerCase();
  const colon = s.indexOf(':');
  if (colon >= 0) s = s.slice(0, colon);
  if (s.charAt(s.length - 1) === '.') s = s.slice(0, -1);
  return HOST_RE.test(s) ? s : '';
}

// The stored value for key, or null when the key is absent. Every other failure rejects:
// a lookup that broke must never fall through to a shallower route, which would serve
// the request from the wrong container. exists() answers a miss without an exception
// (most candidates miss, and throwing is the costly path); get() runs for the hit only.
/** @param {string} key */
async function lookup(key) {
  if (key.length > MAX_KEY || !(await kvs.exists(key))) return null;
  try {
    return await kvs.get(key);
  } catch (e) {
    // Deleted since exists(): get() rejects a missing key with Error("KeyNotFound").
    if (e instanceof Error && e.message === 'KeyNotFound') return null;
    throw e;
  }
}

// A decoded route value, or null when it is malformed (see README "Values").
/** @param {string} raw */
function parseRoute(raw) {
  let v;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return null;
  }
  if (!v || v.v !== 1 || typeof v.c !== 'string' || !NAME_RE.test(v.c)) return null;
  if (v.t === 'l' && typeof v.d === 'string' && HOST_RE.test(v.d)) return v;
  if (v.t === 'a' && ALB_ORIGIN_ID !== '') return v;
  return null;
}

/**
 * @param {number} status
 * @param {string} text
 * @param {string} cause
 */
function fail(status, text, cause) {
  return {
    statusCode: status,
    statusDescription: text,
    headers: {
      'x-berth-error': { value: cause },
      'cache-control': { value: 'no-store' },
    },
  };
}

/** @param {AWSCloudFrontFunction.Event} event */
async function handler(event) {
  const req = event.request;
  const h = req.headers;
  const host = h.host ? h.host.value : '';
  const prefix = HOST_ROUTING ? routeHost(host) : '';
  const cands = candidates(req.uri);
  let raw = null;
  let key = '';
  try {
    for (let i = 0; i < cands.length && raw === null; i++) {
      if (prefix !== '') {
        key = prefix + cands[i];
        raw = await lookup(key);
      }
      if (raw === null) {
        key = cands[i];
        raw = await lookup(key);
      }
    }
  } catch (e) {
    console.log('berth: route lookup failed for ' + key + ': ' + e);
    return fail(503, 'Service Unavailable', 'route-lookup-failed');
  }
  if (raw === null) return fail(404, 'Not Found', 'no-route');
  const r = parseRoute(raw);
  if (r === null) {
    console.log('berth: bad route value under ' + key);
    return fail(502, 'Bad Gateway', 'bad-route');
  }

  // Headers berth sets are never taken from the viewer.
  delete h['x-berth-authorization'];
  h['x-berth-container'] = { value: r.c };
  if (host) h['x-forwarded-host'] = { value: host };
  else delete h['x-forwarded-host'];

  if (r.t === 'a') {
    cf.selectRequestOriginById(ALB_ORIGIN_ID);
    return req;
  }
  // OAC signing replaces Authorization; Lambda Web Adapter restores it from here
  // (AWS_LWA_AUTHORIZATION_SOURCE=x-berth-authorization).
  if (h.authorization) h['x-berth-authorization'] = { value: h.authorization.value };
  cf.updateRequestOrigin({
    domainName: r.d,
    // Function URLs are HTTPS-only; do not inherit the default origin's protocol.
    customOriginConfig: { port: 443, protocol: 'https', sslProtocols: ['TLSv1.2'] },
    originAccessControlConfig: {
      enabled: true,
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
      originType: 'lambda',
    },
  });
  return req;
}
