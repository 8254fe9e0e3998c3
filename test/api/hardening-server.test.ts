/**
 * Issue #8, item 2: slow clients cannot hold connections without limit (4,000 connections were
 * still open after 70 s, each sending one byte every 5 s), and connections beyond the cap are
 * refused. Real sockets against a listening API with small configured limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildTestApp, type TestApp } from '../helpers/index.js';
import { listenLocal, rawClient, rawRequest } from './raw-http.js';

/** A byte every 200 ms: each one resets an idle timer, none completes the request. */
function trickle(socket: import('node:net').Socket, text: string): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]);
  }, 200);
  return () => clearInterval(timer);
}

describe('slow clients are cut off', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp({
      env: {
        HTTP_REQUEST_TIMEOUT_SECONDS: '2',
        HTTP_HEADERS_TIMEOUT_SECONDS: '1',
        HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
        HTTP_IDLE_TIMEOUT_SECONDS: '60',
      },
    });
    port = await listenLocal(t.app);
  });
  afterAll(() => t?.close());

  it('a body sent one byte at a time, without a key: closed after the request timeout', async () => {
    const client = await rawClient(port);
    client.socket.write('POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const stop = trickle(client.socket, '{"name":"' + 'x'.repeat(990));
    const closedAfter = await client.closed(8000);
    stop();
    expect(closedAfter).not.toBeNull();
    expect(closedAfter!).toBeGreaterThan(1500);
    expect(closedAfter!).toBeLessThan(5000);
    // The key check answered first; the server then stopped reading the rest.
    expect(client.received()).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('headers sent one byte at a time: 408 with the error body, then closed', async () => {
    const client = await rawClient(port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const stop = trickle(client.socket, 'X-Slow: ' + 'y'.repeat(200));
    const closedAfter = await client.closed(8000);
    stop();
    expect(closedAfter).not.toBeNull();
    expect(closedAfter!).toBeLessThan(4000);
    const answer = client.received();
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: 'invalid_request', message: 'Request timed out' });
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const client = await rawClient(port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const closedAfter = await client.closed(8000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(closedAfter).not.toBeNull();
    expect(closedAfter!).toBeLessThan(3500);
  });

  it('a client that keeps up is not cut off', async () => {
    const res = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
  });
});

describe('the connection cap', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp({ env: { HTTP_MAX_CONNECTIONS: '5' } });
    port = await listenLocal(t.app);
  });
  afterAll(() => t?.close());

  it('refuses connections beyond the cap and takes new ones once a slot is free', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => rawClient(port)));
    // The server counts a connection once it has accepted it: one request each makes that certain.
    for (const client of held) client.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await Promise.all(held.map((c) => new Promise((r) => c.socket.once('data', r))));

    const extra = await rawClient(port);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await extra.closed(2000)).not.toBeNull();
    expect(extra.received()).toBe('');

    held[0].socket.destroy();
    await held[0].closed(1000);
    await new Promise((r) => setImmediate(r)); // let the server see that close
    const res = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
    held.forEach((c) => c.socket.destroy());
  });
});

describe('HTTP_* settings', () => {
  const base = { SIP_PUBLIC_IP: '127.0.0.1', SECRET_KEY: 'x'.repeat(32) };
  const host = { cores: 1, publicIpv4: '127.0.0.1' };

  it('have defaults that cut slow clients off in seconds, not minutes', () => {
    expect(loadConfig(base, host).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
      maxRequestsPerSocket: 0,
    });
  });

  it('are validated', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env }, host);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ HTTP_REQUEST_TIMEOUT_SECONDS: '0' })).toEqual(['HTTP_REQUEST_TIMEOUT_SECONDS must be an integer between 1 and 3600 (got "0")']);
    expect(problems({ HTTP_MAX_CONNECTIONS: 'many' })[0]).toMatch(/^HTTP_MAX_CONNECTIONS must be an integer/);
    expect(problems({ HTTP_REQUEST_TIMEOUT_SECONDS: '5', HTTP_HEADERS_TIMEOUT_SECONDS: '10' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_SECONDS must not be greater than HTTP_REQUEST_TIMEOUT_SECONDS',
    ]);
  });
});
