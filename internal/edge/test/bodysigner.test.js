// Body signer behaviour on Lambda@Edge origin-request events (include-body on).
// Run: node --test bodysigner.test.js
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const { handler } = createRequire(import.meta.url)('../bodysigner.js');

const FN_URL = 'abcdefghijklmnop0123456789abcdef.lambda-url.eu-west-1.on.aws';
const ALB = 'berth-dev-alb-1234567890.eu-west-1.elb.amazonaws.com';
const SHA256_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256_HELLO = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/**
 * An origin-request event as Lambda@Edge delivers it: headers keyed by lower-case name
 * with [{key, value}], the origin CloudFront is about to contact, Host already set to it
 * (the distribution forwards every viewer header except Host).
 */
function originRequest({ method = 'POST', body, domain = FN_URL, headers = {}, withOrigin = true } = {}) {
  const h = { host: [{ key: 'Host', value: domain }] };
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = [{ key: k, value: v }];
  const request = { clientIp: '198.51.100.7', method, uri: '/api/items', querystring: 'a=1', headers: h };
  if (withOrigin) {
    request.origin = {
      custom: {
        customHeaders: {}, domainName: domain, keepaliveTimeout: 5, path: '', port: 443,
        protocol: 'https', readTimeout: 30, sslProtocols: ['TLSv1.2'],
      },
    };
  }
  if (body !== undefined) request.body = { inputTruncated: false, action: 'read-only', encoding: 'base64', data: '', ...body };
  return {
    Records: [{
      cf: {
        config: {
          distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE',
          eventType: 'origin-request', requestId: 'test-request-id',
        },
        request,
      },
    }],
  };
}

const hashOf = (result) => result.headers['x-amz-content-sha256'];

test('known value: SHA-256 of the empty string', () => {
  assert.equal(sha256(Buffer.alloc(0)), SHA256_EMPTY);
});

test('text body is hashed as UTF-8', async () => {
  const data = '{"name":"Zoë","emoji":"🚢"}';
  const r = await handler(originRequest({ body: { encoding: 'text', data } }));
  assert.deepEqual(hashOf(r), [{ key: 'x-amz-content-sha256', value: sha256(Buffer.from(data, 'utf8')) }]);
});

test('text body "hello" hashes to the known value', async () => {
  const r = await handler(originRequest({ body: { encoding: 'text', data: 'hello' } }));
  assert.equal(hashOf(r)[0].value, SHA256_HELLO);
});

test('base64 body is hashed after decoding, binary bytes included', async () => {
  const raw = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0xc3, 0x28]);
  const r = await handler(originRequest({ body: { encoding: 'base64', data: raw.toString('base64') } }));
  assert.equal(hashOf(r)[0].value, sha256(raw));
});

test('base64 of "hello" hashes to the known value', async () => {
  const r = await handler(originRequest({ body: { data: Buffer.from('hello').toString('base64') } }));
  assert.equal(hashOf(r)[0].value, SHA256_HELLO);
});

test('POST with an empty body gets the empty-string hash', async () => {
  const r = await handler(originRequest({ body: { data: '' } }));
  assert.equal(hashOf(r)[0].value, SHA256_EMPTY);
});

test('GET without a body field gets the empty-string hash', async () => {
  const r = await handler(originRequest({ method: 'GET' }));
  assert.equal(hashOf(r)[0].value, SHA256_EMPTY);
});

test('a body just under the 1 MB limit is hashed whole', async () => {
  const raw = Buffer.alloc(1024 * 1024 - 1, 0x61);
  const r = await handler(originRequest({ body: { data: raw.toString('base64') } }));
  assert.equal(hashOf(r)[0].value, sha256(raw));
});

test('a viewer-sent x-amz-content-sha256 is replaced by the real hash', async () => {
  const r = await handler(originRequest({
    body: { encoding: 'text', data: 'hello' },
    headers: { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
  }));
  assert.deepEqual(hashOf(r), [{ key: 'x-amz-content-sha256', value: SHA256_HELLO }]);
});

test('truncated body to a Function URL answers 413 body-too-large', async () => {
  const r = await handler(originRequest({ body: { inputTruncated: true, data: Buffer.alloc(1024).toString('base64') } }));
  assert.equal(r.status, '413');
  assert.deepEqual(r.headers['x-berth-error'], [{ key: 'x-berth-error', value: 'body-too-large' }]);
  assert.equal(r.uri, undefined, 'a response, not a forwarded request');
});

test('truncated body is recognised by Host alone when the origin is not shown', async () => {
  const r = await handler(originRequest({ withOrigin: false, body: { inputTruncated: true } }));
  assert.equal(r.status, '413');
});

test('truncated body to the ALB passes through untouched (no 1 MB cap there)', async () => {
  const event = originRequest({ domain: ALB, body: { inputTruncated: true, data: 'AAAA' } });
  const before = structuredClone(event.Records[0].cf.request);
  const r = await handler(event);
  assert.deepEqual(r, before);
  assert.equal(hashOf(r), undefined);
});

test('ALB requests also carry the hash (harmless; signing never depends on origin detection)', async () => {
  const r = await handler(originRequest({ domain: ALB, body: { encoding: 'text', data: 'hello' } }));
  assert.equal(hashOf(r)[0].value, SHA256_HELLO);
});

test('the body, method, uri and other headers are left as they were', async () => {
  const data = Buffer.from('payload').toString('base64');
  const r = await handler(originRequest({ body: { data }, headers: { 'content-type': 'application/json', authorization: 'Bearer x' } }));
  assert.deepEqual(r.body, { inputTruncated: false, action: 'read-only', encoding: 'base64', data });
  assert.equal(r.method, 'POST');
  assert.equal(r.uri, '/api/items');
  assert.deepEqual(r.headers['content-type'], [{ key: 'content-type', value: 'application/json' }]);
  assert.deepEqual(r.headers.authorization, [{ key: 'authorization', value: 'Bearer x' }]);
});

test('an unknown body encoding answers 502 instead of signing a guess', async () => {
  const r = await handler(originRequest({ body: { encoding: 'gzip', data: 'xx' } }));
  assert.equal(r.status, '502');
  assert.equal(r.headers['x-berth-error'][0].value, 'body-encoding');
});
