/**
 * Issue #8, item 4: the errors the HTTP framework and Node's parser produce (414, bad escapes,
 * 431, unknown route, 405, 413, 415, malformed JSON, broken HTTP) have the one error body of the
 * catalogue and never quote the URL or the input back. Real sockets: some of these never reach
 * `app.inject()`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/api/errors.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { listenLocal, rawRequest } from './raw-http.js';

/** Appears in every URL and body sent here; no answer may contain it. */
const MARK = 'zqxMARKxqz';

describe('framework errors have the catalogue body', () => {
  let t: TestApp;
  let a: TestOrg;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp();
    a = await t.createOrg();
    port = await listenLocal(t.app);
  });
  afterAll(() => t?.close());

  /** An authenticated request; `extra` are more header lines. */
  const request = (head: string, body = '', { type = 'application/json', extra = '' } = {}) =>
    rawRequest(
      port,
      `${head} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a.apiKey}\r\nConnection: close\r\n${extra}` +
        (body ? `Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : '') +
        `\r\n${body}`,
    );

  const cases: [string, number, string, () => ReturnType<typeof request>][] = [
    ['a path parameter over 100 characters', 414, 'invalid_request', () => request(`GET /api/v1/agents/${MARK}${'a'.repeat(200)}`)],
    ['bad percent-encoding in the path', 400, 'invalid_request', () => request(`GET /api/v1/agents/${MARK}%zz`)],
    ['a query string over the header limit', 431, 'invalid_request', () => request(`GET /api/v1/calls?${MARK}=${'a'.repeat(20_000)}`)],
    ['a header over the header limit', 431, 'invalid_request', () => request('GET /api/v1/calls', '', { extra: `X-Big: ${MARK}${'b'.repeat(20_000)}\r\n` })],
    ['an unknown route', 404, 'not_found', () => request(`GET /api/v1/${MARK}/<script>`)],
    ['a known route under another method', 405, 'invalid_request', () => request(`PUT /api/v1/agents?${MARK}=1`)],
    ['a body over 1 MiB', 413, 'invalid_request', () => request('POST /api/v1/agents', `{"name":"${MARK}${'x'.repeat(1_100_000)}"}`)],
    ['a body that is not JSON', 415, 'invalid_request', () => request('POST /api/v1/agents', `<p>${MARK}</p>`, { type: 'text/html' })],
    ['malformed JSON', 400, 'invalid_request', () => request('POST /api/v1/agents', `{"name": ${MARK}`)],
    ['JSON with __proto__', 400, 'invalid_request', () => request('POST /api/v1/agents', `{"__proto__":{"${MARK}":1},"name":"x"}`)],
    ['JSON nested 10,000 deep', 400, 'invalid_request', () => request('POST /api/v1/agents', `{"${MARK}":${'['.repeat(10_000)}${']'.repeat(10_000)}}`)],
    ['an unknown HTTP method', 400, 'invalid_request', () => rawRequest(port, `BREW /${MARK} HTTP/1.1\r\nHost: x\r\n\r\n`)],
    ['not HTTP at all', 400, 'invalid_request', () => rawRequest(port, `${MARK}\r\n\r\n`)],
    ['two different Content-Lengths', 400, 'invalid_request', () => rawRequest(port, `POST /${MARK} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}`)],
  ];

  it.each(cases)('%s → %i %s', async (_name, status, code, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers).toMatch(/\r\ncontent-type: application\/json/i);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(Object.keys(body).every((k) => ['error', 'message', 'param', 'details'].includes(k))).toBe(true);
    expect(body.error).toBe(code);
    expect(ERROR_CODES).toContain(body.error);
    expect(typeof body.message).toBe('string');
    expect(res.body).not.toContain(MARK);
    expect(res.body).not.toMatch(/FST_|statusCode|node_modules|\.ts:/);
  });

  it('405 says which methods the route takes', async () => {
    const res = await request('PUT /api/v1/agents');
    expect(res.headers).toMatch(/\r\nallow: GET, HEAD, POST\r\n/i);
  });
});
