// FAKE of CloudFront Functions' built-in 'cloudfront' module, for tests and the benchmark
// only. It is not AWS code and proves nothing about AWS; it imitates the documented
// surface router.js uses:
//   - cf.kvs(id).exists(key) resolves a boolean;
//   - cf.kvs(id).get(key) resolves the value, and rejects a missing key with
//     Error("KeyNotFound") (the error CloudFront's runtime was observed to throw);
//   - cf.updateRequestOrigin(params) / cf.selectRequestOriginById(id) change the origin;
//     here they are only recorded.
// Tests drive it through `fake`: routes, injected failures, recorded calls.

export const fake = {
  /** @type {Map<string, string>} */
  store: new Map(),
  /** The id the router passed to cf.kvs(). */
  kvsId: undefined,
  /** Store calls in order: {op: 'exists'|'get', key}. */
  calls: [],
  /** Recorded origin changes: {fn: 'updateRequestOrigin'|'selectRequestOriginById', arg}. */
  originCalls: [],
  /** When set, the operations in failOps reject with this for keys in failKeys. */
  failWith: null,
  /** Keys failWith applies to; null means every key. */
  failKeys: null,
  /** Operations failWith applies to. */
  failOps: ['exists', 'get'],
  /** Keys exists() still reports but get() no longer finds (deleted in between). */
  vanishing: [],
  /** When false, calls and origin changes are not recorded (the benchmark turns it off). */
  record: true,

  reset() {
    this.store = new Map();
    this.calls = [];
    this.originCalls = [];
    this.failWith = null;
    this.failKeys = null;
    this.failOps = ['exists', 'get'];
    this.vanishing = [];
    this.record = true;
  },

  /** @param {Record<string, string|object>} routes key -> value (objects are JSON-encoded) */
  setRoutes(routes) {
    this.store = new Map();
    for (const [k, v] of Object.entries(routes)) {
      this.store.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
  },

  /** Distinct keys the router asked about, in the order it first asked. */
  keys() {
    return [...new Set(this.calls.map((c) => c.key))];
  },

  /** Keys fetched with get(). */
  gets() {
    return this.calls.filter((c) => c.op === 'get').map((c) => c.key);
  },

  maybeFail(op, key) {
    if (this.record) this.calls.push({ op, key });
    if (this.failWith !== null && this.failOps.includes(op) && (this.failKeys === null || this.failKeys.includes(key))) {
      throw this.failWith;
    }
  },
};

const handle = {
  async exists(key) {
    fake.maybeFail('exists', key);
    return fake.store.has(key) || fake.vanishing.includes(key);
  },
  async get(key) {
    fake.maybeFail('get', key);
    const v = fake.store.get(key);
    if (v === undefined) throw new Error('KeyNotFound');
    return v;
  },
  async meta() {
    return { creationDateTime: '', lastUpdatedDateTime: '', keyCount: fake.store.size };
  },
};

const cf = {
  kvs(id) {
    fake.kvsId = id;
    return handle;
  },
  updateRequestOrigin(params) {
    if (fake.record) fake.originCalls.push({ fn: 'updateRequestOrigin', arg: params });
  },
  selectRequestOriginById(id) {
    if (fake.record) fake.originCalls.push({ fn: 'selectRequestOriginById', arg: id });
  },
  createRequestOriginGroup(params) {
    if (fake.record) fake.originCalls.push({ fn: 'createRequestOriginGroup', arg: params });
  },
  edgeLocation: { name: 'TST', serverIp: '127.0.0.1', region: 'test-1' },
};

export default cf;
