// Loads the rendered router into node with its `import cf from 'cloudfront'` bound to the
// fake in cloudfront-shim.js. The rewrite happens here only: the source under test is
// byte for byte what berth publishes, apart from that one import line and an appended
// `export { handler }` (CloudFront calls the top-level handler; node needs an export).
//
// Rendered sources come from Go when `go test ./internal/edge` runs this suite
// (BERTH_ROUTER_RENDERED = a directory of <variant>.js written by edge.RenderRouter);
// standalone, the harness renders the current template itself the same way, and under
// Go the suite checks that both renderings agree.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const IMPORT_LINE = "import cf from 'cloudfront';";

export const templatePath = join(here, '..', 'router.js');
/** Router parameter sets, shared with the Go tests. */
export const variants = JSON.parse(readFileSync(join(here, 'variants.json'), 'utf8'));
export const goRenderedDir = process.env.BERTH_ROUTER_RENDERED || '';

/** Renders the template as edge.RenderRouter does (kept deliberately tiny). */
export function renderInJS(p) {
  const m = /^arn:aws[a-z-]*:cloudfront::[0-9]{12}:key-value-store\/([0-9a-fA-F-]{36})$/.exec(
    p.keyValueStoreArn,
  );
  if (!m) throw new Error('not a KeyValueStore ARN: ' + p.keyValueStoreArn);
  let src = readFileSync(templatePath, 'utf8');
  for (const [tok, val] of [
    ['__BERTH_KVS_ID__', m[1]],
    ['/*__BERTH_HOST_ROUTING__*/false', String(p.hostRouting)],
    ['__BERTH_ALB_ORIGIN_ID__', p.albOriginId],
  ]) {
    if (src.split(tok).length !== 2) throw new Error('template must hold ' + tok + ' once');
    src = src.replace(tok, () => val);
  }
  if (src.includes('__BERTH_')) throw new Error('unfilled token in router template');
  return src;
}

/** The published source of a variant: Go's rendering when available, else renderInJS. */
export function renderedSource(name) {
  if (!(name in variants)) throw new Error('unknown router variant ' + name);
  if (goRenderedDir) return readFileSync(join(goRenderedDir, name + '.js'), 'utf8');
  return renderInJS(variants[name]);
}

const shimURL = pathToFileURL(join(here, 'cloudfront-shim.js')).href;
const workDir = mkdtempSync(join(tmpdir(), 'berth-router-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
const loaded = new Map();

/** The router's handler for a variant, running against the fake 'cloudfront' module. */
export async function loadRouter(name) {
  if (loaded.has(name)) return loaded.get(name);
  const src = renderedSource(name);
  if (src.split(IMPORT_LINE).length !== 2) {
    throw new Error('router must import cloudfront exactly once as: ' + IMPORT_LINE);
  }
  const file = join(workDir, name + '.mjs');
  writeFileSync(file, src.replace(IMPORT_LINE, `import cf from '${shimURL}';`) + '\nexport { handler };\n');
  const mod = await import(pathToFileURL(file).href);
  loaded.set(name, mod.handler);
  return mod.handler;
}

/**
 * A viewer-request event as CloudFront Functions delivers it: headers keyed by lower-case
 * name with {value}, the query string parsed apart from the uri.
 */
export function viewerRequest(uri, { host = 'd111111abcdef8.cloudfront.net', headers = {}, querystring = {}, method = 'GET' } = {}) {
  const h = {};
  if (host !== null) h.host = { value: host };
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = { value: v };
  const qs = {};
  for (const [k, v] of Object.entries(querystring)) qs[k] = { value: v };
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'test-request-id',
    },
    viewer: { ip: '198.51.100.7' },
    request: { method, uri, querystring: qs, headers: h, cookies: {} },
  };
}
