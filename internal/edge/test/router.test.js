// Router behaviour against the fake 'cloudfront' module. Run: node --test router.test.js
// (or `go test ./internal/edge`, which runs it on Go-rendered sources).
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { fake } from './cloudfront-shim.js';
import { goRenderedDir, loadRouter, renderInJS, renderedSource, variants, viewerRequest } from './harness.js';

const FN_URL = 'abcdefghijklmnop0123456789abcdef.lambda-url.eu-west-1.on.aws';
const lam = (c, d = FN_URL) => ({ v: 1, c, t: 'l', d });
const alb = (c) => ({ v: 1, c, t: 'a' });
const OAC = { enabled: true, signingBehavior: 'always', signingProtocol: 'sigv4', originType: 'lambda' };

/** Runs one request through a router variant; returns the result and the request. */
async function run(variant, uri, opts) {
  const handler = await loadRouter(variant);
  const event = viewerRequest(uri, opts);
  const result = await handler(event);
  return { result, req: event.request };
}

/** The container a result was routed to (asserting it is a forwarded request). */
function routed(result) {
  assert.equal(result.statusCode, undefined, 'expected a forwarded request, got a response');
  return result.headers['x-berth-container'].value;
}

function assertError(result, status, cause) {
  assert.equal(result.statusCode, status);
  assert.equal(result.headers['x-berth-error'].value, cause);
  assert.equal(result.headers['cache-control'].value, 'no-store');
  assert.deepEqual(fake.originCalls, [], 'an error response must not change the origin');
}

beforeEach(() => fake.reset());

describe('path matching', () => {
  test('exact path', async () => {
    fake.setRoutes({ '/about': lam('about'), '/*': lam('web') });
    assert.equal(routed((await run('paths', '/about')).result), 'about');
  });

  test('exact route beats a wildcard on the same path', async () => {
    fake.setRoutes({ '/api/health': lam('health'), '/api/*': lam('api') });
    assert.equal(routed((await run('paths', '/api/health')).result), 'health');
  });

  test('deepest prefix wins for nested paths', async () => {
    fake.setRoutes({ '/*': lam('web'), '/api/*': lam('api'), '/api/v1/*': lam('v1') });
    assert.equal(routed((await run('paths', '/api/v1/users/42')).result), 'v1');
  });

  test('falls back one segment at a time', async () => {
    fake.setRoutes({ '/*': lam('web'), '/api/*': lam('api'), '/api/v1/*': lam('v1') });
    assert.equal(routed((await run('paths', '/api/v2/users')).result), 'api');
  });

  test('/* alone catches everything', async () => {
    fake.setRoutes({ '/*': lam('web') });
    assert.equal(routed((await run('paths', '/anything/deep/below/here')).result), 'web');
  });

  test('/ goes to /* when it is the only route', async () => {
    fake.setRoutes({ '/*': lam('web') });
    assert.equal(routed((await run('paths', '/')).result), 'web');
  });

  test('exact / beats /*', async () => {
    fake.setRoutes({ '/': lam('home'), '/*': lam('web') });
    assert.equal(routed((await run('paths', '/')).result), 'home');
  });

  // SCF, CloudFront cache behaviours and ALB path patterns agree: "/api/*" needs the slash.
  test('bare /api is not under /api/*: it falls through to /*', async () => {
    fake.setRoutes({ '/api/*': lam('api'), '/*': lam('web') });
    assert.equal(routed((await run('paths', '/api')).result), 'web');
  });

  test('bare /api with only /api/* routed answers 404 no-route', async () => {
    fake.setRoutes({ '/api/*': lam('api') });
    assertError((await run('paths', '/api')).result, 404, 'no-route');
  });

  test('an exact /api route serves /api beside /api/*', async () => {
    fake.setRoutes({ '/api': lam('exact'), '/api/*': lam('api') });
    assert.equal(routed((await run('paths', '/api')).result), 'exact');
    assert.equal(routed((await run('paths', '/api/x')).result), 'api');
  });


  test('/api/ (trailing slash) goes to /api/*', async () => {
    fake.setRoutes({ '/api/*': lam('api'), '/*': lam('web') });
    assert.equal(routed((await run('paths', '/api/')).result), 'api');
  });

  test('a deeper bare path goes to its parent prefix, not its own', async () => {
    fake.setRoutes({ '/api/v1/*': lam('v1'), '/api/*': lam('api') });
    assert.equal(routed((await run('paths', '/api/v1')).result), 'api');
    assert.equal(routed((await run('paths', '/api/v1/')).result), 'v1');
  });

  test('exact routes are slash-sensitive: /docs/ is not /docs', async () => {
    fake.setRoutes({ '/docs/': lam('docs'), '/*': lam('web') });
    assert.equal(routed((await run('paths', '/docs/')).result), 'docs');
    assert.equal(routed((await run('paths', '/docs')).result), 'web');
  });

  test('prefixes match whole segments only: /apis is not under /api/*', async () => {
    fake.setRoutes({ '/api/*': lam('api'), '/*': lam('web') });
    assert.equal(routed((await run('paths', '/apis')).result), 'web');
    assert.equal(routed((await run('paths', '/api-docs/x')).result), 'web');
  });

  test('candidate order for /a/b/c', async () => {
    const { result } = await run('paths', '/a/b/c');
    assertError(result, 404, 'no-route');
    assert.deepEqual(fake.keys(), ['/a/b/c', '/a/b/*', '/a/*', '/*']);
  });

  test('candidate order for a trailing-slash path /a/b/', async () => {
    await run('paths', '/a/b/');
    assert.deepEqual(fake.keys(), ['/a/b/', '/a/b/*', '/a/*', '/*']);
  });

  test('candidate order for /', async () => {
    await run('paths', '/');
    assert.deepEqual(fake.keys(), ['/', '/*']);
  });

  test('stops at the first hit', async () => {
    fake.setRoutes({ '/a/*': lam('a'), '/*': lam('web') });
    await run('paths', '/a/b/c');
    assert.deepEqual(fake.keys(), ['/a/b/c', '/a/b/*', '/a/*']);
  });

  test('the query string is never part of the key', async () => {
    fake.setRoutes({ '/search': lam('search') });
    const { result } = await run('paths', '/search', { querystring: { q: 'boats', page: '2' } });
    assert.equal(routed(result), 'search');
    assert.deepEqual(fake.keys(), ['/search']);
  });

  test('a query string does not stop a prefix match', async () => {
    fake.setRoutes({ '/api/*': lam('api') });
    const { result, req } = await run('paths', '/api/items', { querystring: { id: '7' } });
    assert.equal(routed(result), 'api');
    assert.deepEqual(req.querystring, { id: { value: '7' } }, 'the query string is forwarded unchanged');
  });

  test('no route at all answers 404 no-route', async () => {
    fake.setRoutes({ '/api/*': lam('api') });
    const { result } = await run('paths', '/web/index.html');
    assertError(result, 404, 'no-route');
  });

  test('an empty store answers 404 for /', async () => {
    assertError((await run('paths', '/')).result, 404, 'no-route');
  });
});

describe('lookup cost', () => {
  const deep = '/' + Array.from({ length: 20 }, (_, i) => 's' + (i + 1)).join('/');

  test('very deep paths start from their 12-segment prefix', async () => {
    await run('paths', deep);
    const twelve = '/' + Array.from({ length: 12 }, (_, i) => 's' + (i + 1)).join('/') + '/*';
    assert.equal(fake.calls.length, 14);
    assert.equal(fake.keys()[0], deep);
    assert.equal(fake.keys()[1], twelve);
    assert.equal(fake.keys()[13], '/*');
  });

  test('a 12-segment prefix pattern, the deepest validate accepts, is matched', async () => {
    const twelve = '/' + Array.from({ length: 12 }, (_, i) => 's' + (i + 1)).join('/') + '/*';
    fake.setRoutes({ [twelve]: lam('twelve'), '/*': lam('web') });
    assert.equal(routed((await run('paths', deep)).result), 'twelve');
    assert.equal(routed((await run('paths', twelve.slice(0, -1))).result), 'twelve');
  });

  test('a 13-segment prefix pattern is never looked up (validate refuses it)', async () => {
    const thirteen = '/' + Array.from({ length: 13 }, (_, i) => 's' + (i + 1)).join('/') + '/*';
    fake.setRoutes({ [thirteen]: lam('thirteen'), '/*': lam('web') });
    assert.equal(routed((await run('paths', deep)).result), 'web');
    assert.ok(!fake.keys().includes(thirteen));
  });

  test('a deep path still reaches a shallow prefix route', async () => {
    fake.setRoutes({ '/s1/*': lam('s1') });
    assert.equal(routed((await run('paths', deep)).result), 's1');
  });

  test('an exact route deeper than the cap still matches exactly', async () => {
    fake.setRoutes({ [deep]: lam('deep'), '/*': lam('web') });
    assert.equal(routed((await run('paths', deep)).result), 'deep');
  });

  test('at most 14 lookups per host variant, whatever the depth', async () => {
    for (const depth of [1, 5, 11, 12, 13, 40]) {
      fake.reset();
      await run('paths', '/' + Array.from({ length: depth }, () => 'x').join('/'));
      assert.ok(fake.calls.length <= 14, `depth ${depth}: ${fake.calls.length} lookups`);
    }
  });

  test('lookups do not depend on the number of routes', async () => {
    fake.setRoutes({ '/other/*': lam('o') });
    await run('paths', '/a/b/c/d');
    const few = [...fake.calls];
    const many = {};
    for (let i = 0; i < 2000; i++) many['/svc' + i + '/*'] = lam('c' + i);
    fake.reset();
    fake.setRoutes(many);
    await run('paths', '/a/b/c/d');
    assert.deepEqual(fake.calls, few);
  });

  test('a candidate longer than 512 bytes is never sent to the store', async () => {
    fake.setRoutes({ '/files/*': lam('files') });
    const uri = '/files/' + 'x'.repeat(600);
    assert.equal(routed((await run('paths', uri)).result), 'files');
    assert.ok(fake.keys().every((k) => k.length <= 512));
  });
});

describe('host routing', () => {
  test('host-specific route beats the generic one for the same pattern', async () => {
    fake.setRoutes({ 'api.example.com/api/*': lam('tenant'), '/api/*': lam('generic') });
    const { result } = await run('hosts', '/api/users', { host: 'api.example.com' });
    assert.equal(routed(result), 'tenant');
  });

  test('each candidate tries the host key before the generic key', async () => {
    await run('hosts', '/a/b', { host: 'api.example.com' });
    assert.deepEqual(fake.keys(), [
      'api.example.com/a/b', '/a/b',
      'api.example.com/a/*', '/a/*',
      'api.example.com/*', '/*',
    ]);
  });

  test('the port is stripped from the host', async () => {
    fake.setRoutes({ 'api.example.com/*': lam('tenant'), '/*': lam('generic') });
    assert.equal(routed((await run('hosts', '/', { host: 'api.example.com:8443' })).result), 'tenant');
  });

  test('the host is matched case-insensitively', async () => {
    fake.setRoutes({ 'api.example.com/*': lam('tenant'), '/*': lam('generic') });
    assert.equal(routed((await run('hosts', '/x', { host: 'API.Example.COM' })).result), 'tenant');
  });

  test('a trailing dot on the host is ignored', async () => {
    fake.setRoutes({ 'api.example.com/*': lam('tenant'), '/*': lam('generic') });
    assert.equal(routed((await run('hosts', '/x', { host: 'api.example.com.' })).result), 'tenant');
  });

  test('other hosts get the generic route', async () => {
    fake.setRoutes({ 'api.example.com/*': lam('tenant'), '/*': lam('generic') });
    assert.equal(routed((await run('hosts', '/x', { host: 'www.example.com' })).result), 'generic');
  });

  test('a host-only route is not served on other hosts', async () => {
    fake.setRoutes({ 'api.example.com/*': lam('tenant') });
    assertError((await run('hosts', '/x', { host: 'd111111abcdef8.cloudfront.net' })).result, 404, 'no-route');
  });

  test('a deeper generic route beats a shallower host route (depth first)', async () => {
    fake.setRoutes({ 'api.example.com/api/*': lam('tenant'), '/api/users': lam('users') });
    assert.equal(routed((await run('hosts', '/api/users', { host: 'api.example.com' })).result), 'users');
  });

  test('with host routing off, host keys are never looked up', async () => {
    fake.setRoutes({ 'api.example.com/*': lam('tenant'), '/*': lam('generic') });
    const { result } = await run('paths', '/x', { host: 'api.example.com' });
    assert.equal(routed(result), 'generic');
    assert.ok(fake.keys().every((k) => k.startsWith('/')));
  });

  test('an IP-literal host only uses generic keys', async () => {
    fake.setRoutes({ '/*': lam('generic') });
    await run('hosts', '/x', { host: '[2001:db8::1]:443' });
    assert.ok(fake.keys().every((k) => k.startsWith('/')));
  });
});

describe('lookup failures', () => {
  test('a store error answers 503 and changes nothing', async () => {
    fake.setRoutes({ '/*': lam('web') });
    fake.failWith = new Error('InternalError');
    const { result, req } = await run('paths', '/x', { headers: { 'x-berth-container': 'spoof' } });
    assertError(result, 503, 'route-lookup-failed');
    assert.equal(req.headers['x-berth-container'].value, 'spoof', 'request left as it was');
  });

  test('an error on a deeper candidate never falls through to a shallower route', async () => {
    fake.setRoutes({ '/*': lam('web') });
    fake.failWith = new Error('Throttled');
    fake.failKeys = ['/api/*'];
    assertError((await run('paths', '/api/x')).result, 503, 'route-lookup-failed');
  });

  test('an error on the host key does not fall back to the generic key', async () => {
    fake.setRoutes({ '/*': lam('web') });
    fake.failWith = new Error('Throttled');
    fake.failKeys = ['api.example.com/*'];
    assertError((await run('hosts', '/', { host: 'api.example.com' })).result, 503, 'route-lookup-failed');
  });

  test('a miss costs one exists() and no get()', async () => {
    fake.setRoutes({ '/*': lam('web') });
    await run('paths', '/a');
    assert.deepEqual(fake.calls, [
      { op: 'exists', key: '/a' },
      { op: 'exists', key: '/*' },
      { op: 'get', key: '/*' },
    ]);
  });

  test('exists() failing answers 503', async () => {
    fake.setRoutes({ '/*': lam('web') });
    fake.failWith = new Error('InternalError');
    fake.failOps = ['exists'];
    assertError((await run('paths', '/a')).result, 503, 'route-lookup-failed');
  });

  test('get() failing after exists() answers 503', async () => {
    fake.setRoutes({ '/a': lam('a'), '/*': lam('web') });
    fake.failWith = new Error('InternalError');
    fake.failOps = ['get'];
    fake.failKeys = ['/a'];
    assertError((await run('paths', '/a')).result, 503, 'route-lookup-failed');
  });

  test('a non-Error rejection answers 503', async () => {
    fake.setRoutes({ '/*': lam('web') });
    fake.failWith = 'weird';
    fake.failOps = ['get'];
    assertError((await run('paths', '/a')).result, 503, 'route-lookup-failed');
  });

  test('a key deleted between exists() and get() (KeyNotFound) is a miss', async () => {
    fake.setRoutes({ '/*': lam('web') });
    fake.vanishing = ['/a/*'];
    assert.equal(routed((await run('paths', '/a/b')).result), 'web');
    assert.deepEqual(fake.gets(), ['/a/*', '/*']);
  });
});

describe('malformed values', () => {
  const cases = {
    'not JSON': 'api',
    'JSON null': 'null',
    'wrong version': JSON.stringify({ v: 2, c: 'api', t: 'l', d: FN_URL }),
    'no version': JSON.stringify({ c: 'api', t: 'l', d: FN_URL }),
    'unknown target': JSON.stringify({ v: 1, c: 'api', t: 'x' }),
    'lambda without domain': JSON.stringify({ v: 1, c: 'api', t: 'l' }),
    'domain with a path': JSON.stringify({ v: 1, c: 'api', t: 'l', d: FN_URL + '/evil' }),
    'container with a newline': JSON.stringify({ v: 1, c: 'api\nx-evil: 1', t: 'a' }),
    'empty container': JSON.stringify({ v: 1, c: '', t: 'a' }),
  };
  for (const [name, value] of Object.entries(cases)) {
    test(`${name} answers 502 bad-route`, async () => {
      fake.setRoutes({ '/x': value });
      assertError((await run('paths', '/x')).result, 502, 'bad-route');
    });
  }

  test('an ALB route without an ALB origin is a bad route', async () => {
    fake.setRoutes({ '/x': alb('svc') });
    assertError((await run('lambda-only', '/x')).result, 502, 'bad-route');
  });

  test('a bad value does not fall through to a shallower route', async () => {
    fake.setRoutes({ '/x': '{', '/*': lam('web') });
    assertError((await run('paths', '/x')).result, 502, 'bad-route');
  });
});

describe('targets and headers', () => {
  test('an ALB route selects the ALB origin by id', async () => {
    fake.setRoutes({ '/svc/*': alb('svc') });
    const { result } = await run('paths', '/svc/a');
    assert.equal(routed(result), 'svc');
    assert.deepEqual(fake.originCalls, [{ fn: 'selectRequestOriginById', arg: 'berth-alb' }]);
  });

  test('a Lambda route sets the Function URL origin with OAC signing', async () => {
    fake.setRoutes({ '/fn/*': lam('fn') });
    await run('paths', '/fn/a');
    assert.deepEqual(fake.originCalls, [{
      fn: 'updateRequestOrigin',
      arg: {
        domainName: FN_URL,
        customOriginConfig: { port: 443, protocol: 'https', sslProtocols: ['TLSv1.2'] },
        originAccessControlConfig: OAC,
      },
    }]);
  });

  test('x-berth-container overwrites a viewer-sent value', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/', { headers: { 'x-berth-container': 'admin' } });
    assert.deepEqual(req.headers['x-berth-container'], { value: 'web' });
  });

  test('x-forwarded-host is the viewer host, as sent', async () => {
    fake.setRoutes({ '/*': alb('web') });
    const { req } = await run('paths', '/', { host: 'Shop.Example.com:8443' });
    assert.deepEqual(req.headers['x-forwarded-host'], { value: 'Shop.Example.com:8443' });
  });

  test('a viewer-sent x-forwarded-host is replaced', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/', { host: 'shop.example.com', headers: { 'x-forwarded-host': 'evil.example' } });
    assert.deepEqual(req.headers['x-forwarded-host'], { value: 'shop.example.com' });
  });

  test('without a Host, a viewer-sent x-forwarded-host is dropped', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/', { host: null, headers: { 'x-forwarded-host': 'evil.example' } });
    assert.equal(req.headers['x-forwarded-host'], undefined);
  });

  test('Lambda routes copy Authorization into x-berth-authorization', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/', { headers: { authorization: 'Bearer abc' } });
    assert.deepEqual(req.headers['x-berth-authorization'], { value: 'Bearer abc' });
    assert.deepEqual(req.headers.authorization, { value: 'Bearer abc' }, 'left for OAC to replace');
  });

  test('Lambda routes replace a spoofed x-berth-authorization with the real one', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/', { headers: { authorization: 'Bearer real', 'x-berth-authorization': 'Bearer forged' } });
    assert.deepEqual(req.headers['x-berth-authorization'], { value: 'Bearer real' });
  });

  test('Lambda routes drop a spoofed x-berth-authorization when there is no Authorization', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/', { headers: { 'x-berth-authorization': 'Bearer forged' } });
    assert.equal(req.headers['x-berth-authorization'], undefined);
  });

  test('ALB routes keep Authorization as is and never carry x-berth-authorization', async () => {
    fake.setRoutes({ '/*': alb('web') });
    const { req } = await run('paths', '/', { headers: { authorization: 'Bearer abc', 'x-berth-authorization': 'Bearer forged' } });
    assert.deepEqual(req.headers.authorization, { value: 'Bearer abc' });
    assert.equal(req.headers['x-berth-authorization'], undefined);
  });

  test('other viewer headers, method and uri pass through', async () => {
    fake.setRoutes({ '/*': lam('web') });
    const { req } = await run('paths', '/a/b', { method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(req.method, 'POST');
    assert.equal(req.uri, '/a/b');
    assert.deepEqual(req.headers['content-type'], { value: 'application/json' });
  });
});

describe('rendering', () => {
  test('cf.kvs() gets the store id from the ARN, not the ARN', async () => {
    await loadRouter('paths');
    assert.equal(fake.kvsId, 'a1b2c3d4-5678-90ab-cdef-0123456789ab');
  });

  test('every variant renders within 10,240 bytes with no token left', () => {
    for (const name of Object.keys(variants)) {
      const src = renderedSource(name);
      assert.ok(Buffer.byteLength(src) <= 10240, `${name}: ${Buffer.byteLength(src)} bytes`);
      assert.ok(!src.includes('__BERTH_'), name);
    }
  });

  test('the harness renders exactly as Go does', { skip: goRenderedDir ? false : 'standalone run: no Go rendering to compare' }, () => {
    for (const [name, p] of Object.entries(variants)) {
      assert.equal(renderInJS(p), renderedSource(name), name);
    }
  });
});
