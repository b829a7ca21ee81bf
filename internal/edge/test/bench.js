// Benchmark, not a test: router time per request in node against the fake KVS, with 10
// routes and with 2,000. The two should be flat: lookups depend on path depth only.
// This measures the router's own work under V8, not CloudFront's runtime or KVS latency.
//
//   node internal/edge/test/bench.js          human-readable
//   node internal/edge/test/bench.js --json   one JSON line (used by BenchmarkRouterNode)
import { fake } from './cloudfront-shim.js';
import { loadRouter, renderedSource, viewerRequest } from './harness.js';

const VARIANT = 'hosts';
const FN_URL = 'abcdefghijklmnop0123456789abcdef.lambda-url.eu-west-1.on.aws';
const WARMUP = 20000;
const ROUNDS = 5;
const ITERATIONS = Number(process.env.BERTH_BENCH_ITERATIONS || 100000);

const base = {
  '/*': { v: 1, c: 'web', t: 'a' },
  '/api/*': { v: 1, c: 'api', t: 'l', d: FN_URL },
  '/api/v1/*': { v: 1, c: 'api-v1', t: 'l', d: FN_URL },
  '/api/health': { v: 1, c: 'health', t: 'l', d: FN_URL },
  '/static/*': { v: 1, c: 'static', t: 'a' },
  '/admin/*': { v: 1, c: 'admin', t: 'l', d: FN_URL },
  '/docs/*': { v: 1, c: 'docs', t: 'a' },
  'shop.example.com/*': { v: 1, c: 'shop', t: 'l', d: FN_URL },
  'shop.example.com/cart/*': { v: 1, c: 'cart', t: 'l', d: FN_URL },
  '/webhooks/stripe': { v: 1, c: 'hooks', t: 'l', d: FN_URL },
};

function routes(n) {
  const r = { ...base };
  for (let i = 0; Object.keys(r).length < n; i++) {
    r[(i % 2 ? '/svc' : 'tenant' + i + '.example.com/app') + i + '/*'] = { v: 1, c: 'svc' + i, t: 'l', d: FN_URL };
  }
  return r;
}

// A mix of shallow and deep requests, hits and a miss, on the generic and a custom host.
const requests = [
  ['/', 'd111111abcdef8.cloudfront.net'],
  ['/api/health', 'd111111abcdef8.cloudfront.net'],
  ['/api/v1/orders/7/items', 'd111111abcdef8.cloudfront.net'],
  ['/static/css/site/app.css', 'd111111abcdef8.cloudfront.net'],
  ['/cart/items/3', 'shop.example.com'],
  ['/a/b/c/d/e/f/g/h', 'www.example.com'],
];

async function setup(n) {
  const handler = await loadRouter(VARIANT);
  fake.reset();
  fake.setRoutes(routes(n));
  let lookups = 0;
  for (const [uri, host] of requests) {
    fake.calls = [];
    await handler(viewerRequest(uri, { host }));
    lookups += fake.calls.length;
  }
  fake.record = false;
  return { handler, lookupsPerRequest: lookups / requests.length };
}

async function timeRound(handler, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const [uri, host] = requests[i % requests.length];
    await handler(viewerRequest(uri, { host }));
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

// Rounds alternate between the two store sizes and the best round counts, so load from
// other processes on the machine does not masquerade as a difference between them.
async function measure(sizes) {
  const best = new Map(sizes.map((n) => [n, Infinity]));
  const info = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const n of sizes) {
      const { handler, lookupsPerRequest } = await setup(n);
      info.set(n, lookupsPerRequest);
      if (round === 0) await timeRound(handler, WARMUP);
      best.set(n, Math.min(best.get(n), await timeRound(handler, ITERATIONS / ROUNDS)));
    }
  }
  return sizes.map((n) => ({ routes: n, nsPerRequest: Math.round(best.get(n)), lookupsPerRequest: info.get(n) }));
}

const routerBytes = Buffer.byteLength(renderedSource(VARIANT));
const results = await measure([10, 2000]);

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ routerBytes, results }));
} else {
  console.log(`router (${VARIANT} variant): ${routerBytes} bytes (limit 10240)`);
  for (const r of results) {
    console.log(`${String(r.routes).padStart(5)} routes: ${r.nsPerRequest} ns/request, ${r.lookupsPerRequest.toFixed(2)} KVS lookups/request`);
  }
  console.log('(node + fake KVS; includes building the event; not CloudFront runtime timing)');
}
