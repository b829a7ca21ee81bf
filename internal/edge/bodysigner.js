'use strict';
// berth body signer: Lambda@Edge (runtime: internal/runtimes BodySigner, us-east-1), origin-request, include-body.
//
// CloudFront signs requests to Lambda Function URLs with OAC (SigV4), and Lambda does not
// accept unsigned payloads: a request with a body must carry x-amz-content-sha256, the
// hex SHA-256 of the body. CloudFront Functions cannot read bodies, so this runs after
// the router, on the way to the origin. README.md covers the limits.
const crypto = require('crypto');

// Function URL hosts (…lambda-url.<region>.on.aws, and the China partition's equivalent).
const FUNCTION_URL_RE = /\.lambda-url\.[a-z0-9-]+\.on\.(aws|amazonwebservices\.com\.cn)$/;

function header(name, value) {
  return [{ key: name, value: value }];
}

// Whether CloudFront sends this request to a Function URL: the origin the router chose
// with updateRequestOrigin, or the Host CloudFront has already rewritten to it.
function toFunctionURL(request) {
  const custom = request.origin && request.origin.custom;
  if (custom && FUNCTION_URL_RE.test(String(custom.domainName).toLowerCase())) return true;
  const host = request.headers && request.headers.host;
  return Boolean(host && host[0] && FUNCTION_URL_RE.test(String(host[0].value).toLowerCase()));
}

function reply(status, text, cause) {
  return {
    status: String(status),
    statusDescription: text,
    headers: {
      'x-berth-error': header('x-berth-error', cause),
      'cache-control': header('cache-control', 'no-store'),
      'content-type': header('content-type', 'text/plain; charset=utf-8'),
    },
    body: cause + '\n',
  };
}

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const body = request.body;

  // Lambda@Edge shows an origin-request function at most 1 MB of body. For a Function
  // URL, hashing the truncated part would sign the wrong payload (Lambda answers 403), so
  // refuse clearly. The ALB needs no signature: its uploads pass untouched, uncapped.
  if (body && body.inputTruncated) {
    return toFunctionURL(request) ? reply(413, 'Payload Too Large', 'body-too-large') : request;
  }
  let bytes = Buffer.alloc(0);
  if (body && body.data) {
    if (body.encoding === 'base64') bytes = Buffer.from(body.data, 'base64');
    else if (body.encoding === 'text') bytes = Buffer.from(body.data, 'utf8');
    else return reply(502, 'Bad Gateway', 'body-encoding');
  }
  // Set on every request, whatever the origin (harmless extra header for the ALB), so
  // signing never depends on recognising the origin: also for GET and empty bodies,
  // where SHA-256("") is the correct payload hash and a POST/PUT with an empty body
  // needs it as much as one with a body. A value the viewer sent is always replaced.
  request.headers['x-amz-content-sha256'] = header(
    'x-amz-content-sha256',
    crypto.createHash('sha256').update(bytes).digest('hex'),
  );
  return request;
};
