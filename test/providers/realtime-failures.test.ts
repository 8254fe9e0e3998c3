/**
 * Failure paths of the realtime adapters: each ends in a typed rejection or a typed event within
 * a bound, never a hang. Also the early open (while the phone rings) and late configure.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RealtimeProviderError } from '../../media/providers/index.js';
import type { RealtimeSession } from '../../media/providers/index.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { EventLog, FLAVOURS, makeSession, rejectionOf, speak } from './helpers.js';

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe.each(FLAVOURS)('$provider failure paths', (flavour) => {
  let server: FakeRealtimeServer;
  const sessions: RealtimeSession[] = [];
  const track = (s: RealtimeSession): RealtimeSession => {
    sessions.push(s);
    return s;
  };

  beforeEach(async () => {
    server = await FakeRealtimeServer.start();
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await server.close();
  });

  it('rejects with connect_refused when nothing listens', async () => {
    const port = await closedPort();
    const session = track(makeSession(flavour, server, {}, { baseUrl: `http://127.0.0.1:${port}/v1` }));
    const err = await rejectionOf(session.connect());
    expect(err).toBeInstanceOf(RealtimeProviderError);
    expect(err).toMatchObject({ code: 'connect_refused', retryable: true });
    expect(session.state).toBe('closed');
  });

  it('rejects with connect_refused when the server resets the connection', async () => {
    server.failNext('refuse');
    const err = await rejectionOf(track(makeSession(flavour, server)).connect());
    expect(err).toMatchObject({ code: 'connect_refused' });
  });

  it('rejects with auth_failed on HTTP 401, not retryable', async () => {
    const session = track(makeSession(flavour, server, {}, { apiKey: 'wrong-key' }));
    const log = new EventLog(session);
    const err = await rejectionOf(session.connect());
    expect(err).toMatchObject({ code: 'auth_failed', httpStatus: 401, retryable: false });
    expect(server.upgrades.at(-1)).toMatchObject({ authorized: false, status: 401 });
    expect(log.of('closed')).toHaveLength(0);
  });

  it('rejects with a retryable handshake_failed on HTTP 500', async () => {
    server.failNext('http-500');
    const err = await rejectionOf(track(makeSession(flavour, server)).connect());
    expect(err).toMatchObject({ code: 'handshake_failed', httpStatus: 500, retryable: true });
  });

  it('rejects with connect_timeout when the server never speaks first', async () => {
    server.failNext('silent');
    const session = track(makeSession(flavour, server, {}, { connectTimeoutMs: 300 }));
    const started = Date.now();
    const err = await rejectionOf(session.connect(), 3000);
    expect(err).toMatchObject({ code: 'connect_timeout' });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(session.state).toBe('closed');
  });

  it('rejects with connect_timeout when session.update is never answered', async () => {
    server.failNext('ignore-session-update');
    const session = track(makeSession(flavour, server, {}, { connectTimeoutMs: 300 }));
    const err = await rejectionOf(session.connect(), 3000);
    expect(err).toMatchObject({ code: 'connect_timeout' });
  });

  it('rejects with config_rejected when the server answers session.update with an error', async () => {
    server.failNext('error-event');
    const err = await rejectionOf(track(makeSession(flavour, server)).connect());
    expect(err).toMatchObject({ code: 'config_rejected', providerCode: 'server_error' });
  });

  it('refuses a configuration the vendor cannot take, before sending it', async () => {
    const session = track(makeSession(flavour, server, { inputFormat: 'pcm16@16k' }));
    const xai = flavour.provider === 'xai_realtime';
    if (xai) {
      // xAI takes 16 kHz PCM but no semantic VAD.
      const bad = track(makeSession(flavour, server, { turnDetection: { type: 'semantic_vad' } }));
      expect(await rejectionOf(bad.connect())).toMatchObject({ code: 'config_rejected' });
      await session.connect();
      expect(server.connection()?.effective.inputFormat).toEqual({ kind: 'pcm', rate: 16000 });
    } else {
      expect(await rejectionOf(session.connect())).toMatchObject({ code: 'config_rejected' });
      expect(server.eventsOfType('session.update')).toHaveLength(0);
    }
  });

  it('emits closed with expected false when the socket drops mid-response', async () => {
    server.setScript({ defaultReply: { audioMs: 3000 } });
    server.failNext('drop-mid-response');
    const session = track(makeSession(flavour, server));
    const log = new EventLog(session);
    await session.connect();
    session.createResponse();
    const closed = await log.next('closed');
    expect(closed.expected).toBe(false);
    expect(closed.code).toBe(1006);
    expect(log.of('audio')).toHaveLength(1);
    expect(session.state).toBe('closed');
    expect(session.createResponse()).toBe(false);
  });

  it('emits closed with expected false when the server drops every connection', async () => {
    const session = track(makeSession(flavour, server));
    const log = new EventLog(session);
    await session.connect();
    server.dropConnections();
    expect(await log.next('closed')).toMatchObject({ expected: false });
  });

  it('declares a provider that stops answering pings dead, within two keepalive intervals', async () => {
    const session = track(makeSession(flavour, server, {}, { keepaliveIntervalMs: 100 }));
    const log = new EventLog(session);
    await session.connect();
    server.stallConnections();
    const started = Date.now();
    expect(await log.next('closed', () => true, 3000)).toMatchObject({ expected: false });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps a healthy connection open across many keepalive intervals', async () => {
    const session = track(makeSession(flavour, server, {}, { keepaliveIntervalMs: 100 }));
    const log = new EventLog(session);
    await session.connect();
    await new Promise((r) => setTimeout(r, 550));
    expect(log.of('closed')).toHaveLength(0);
    expect(session.state).toBe('ready');
  });

  it('reports a fatal server error, then the unexpected close', async () => {
    server.failNext('fatal-error');
    const session = track(makeSession(flavour, server));
    const log = new EventLog(session);
    await session.connect();
    const error = await log.next('error');
    expect(error).toMatchObject({ code: 'session_expired', fatal: true, providerCode: 'session_expired' });
    expect(await log.next('closed')).toMatchObject({ expected: false });
  });

  it('reports a non-fatal server error and goes on', async () => {
    const session = track(makeSession(flavour, server));
    const log = new EventLog(session);
    await session.connect();
    server.inject({ type: 'error', error: { type: 'server_error', code: null, message: 'transient' } });
    expect(await log.next('error')).toMatchObject({ code: 'server_error', fatal: false, message: 'transient' });
    expect(session.say('still here')).toBe(true);
    await log.next('response-done');
  });

  it('counts a malformed server message as a protocol error without dying', async () => {
    const session = track(makeSession(flavour, server));
    const log = new EventLog(session);
    await session.connect();
    server.inject({ type: 7 } as unknown as Record<string, unknown>);
    expect(await log.next('error')).toMatchObject({ code: 'protocol_error', fatal: false });
    expect(session.stats().malformedMessages).toBe(1);
    expect(session.state).toBe('ready');
  });

  it('a listener that throws does not stop the session or the other listeners', async () => {
    const session = track(makeSession(flavour, server));
    session.on('response-started', () => {
      throw new Error('runtime bug');
    });
    const log = new EventLog(session);
    await session.connect();
    session.say('hello');
    await log.next('response-done');
    expect(log.of('response-started')).toHaveLength(1);
    expect(session.stats().listenerErrors).toBe(1);
  });

  it('close() during connect rejects the pending connect with closed', async () => {
    server.failNext('silent');
    const session = track(makeSession(flavour, server, {}, { connectTimeoutMs: 5000 }));
    const outcome = rejectionOf(session.connect(), 1000);
    await new Promise((r) => setTimeout(r, 50));
    await session.close();
    expect(await outcome).toMatchObject({ code: 'closed' });
  });

  it('opens early, holds caller audio, and sends it once the late config is applied', async () => {
    const session = track(makeSession(flavour, server));
    await session.open();
    expect(session.state).toBe('open');
    expect(server.eventsOfType('session.update')).toHaveLength(0);
    const early = speak(session, [{ speech: 200 }]);
    expect(session.createResponse()).toBe(false); // not configured yet
    await session.configure({ model: flavour.model, voice: flavour.voice, instructions: 'Overridden by assistant-request.' });
    const update = (await server.waitFor('session.update')).event.session as Record<string, unknown>;
    expect(update.instructions).toBe('Overridden by assistant-request.');
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.from(server.receivedAudio()).equals(Buffer.from(early))).toBe(true);
  });

  it('a failed early open that nobody awaits yet does not become an unhandled rejection', async () => {
    const port = await closedPort();
    const session = track(makeSession(flavour, server, {}, { baseUrl: `http://127.0.0.1:${port}/v1` }));
    const opening = session.open(); // started while the phone rings, awaited at answer time
    await new Promise((r) => setTimeout(r, 200));
    expect(await rejectionOf(opening)).toMatchObject({ code: 'connect_refused' });
  });

  it('refuses to change the model of an open session', async () => {
    const session = track(makeSession(flavour, server));
    await session.open();
    expect(await rejectionOf(session.configure({ model: 'another-model' }))).toMatchObject({ code: 'invalid_state' });
  });
});
