/**
 * The agent runtime inside the real worker pool: `MediaPool.start` loads it by URL into a worker
 * thread, a test caller sends real RTP over UDP, and the fake realtime server plays the model.
 * Proves the module loads from TypeScript sources and bridges audio end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentLogicModule, MediaPool, type CallEnded, type RemoteMedia, type WorkerToMain } from '../../media/index.js';
import { isVoiced, mulawUtterance, sliceFrames } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { TestCaller } from '../media/integration-fixtures/caller.js';
import { freePortBlock } from '../helpers/ports.js';
import { agentConfig, OPENAI, speakingScript, until, sleep } from './helpers/harness.js';

function remoteFor(port: number): RemoteMedia {
  return { address: '127.0.0.1', port, payloadType: 0, codec: 'PCMU', clockRate: 8000, ptime: 20, telephoneEventPt: null, direction: 'sendrecv' };
}

describe('agent runtime in the media pool', () => {
  let pool: MediaPool;
  let server: FakeRealtimeServer;
  let caller: TestCaller;
  const messages: WorkerToMain[] = [];

  beforeAll(async () => {
    server = await FakeRealtimeServer.start({ pingIntervalMs: 0, script: speakingScript({ turns: [{ transcript: 'What are your opening hours?' }] }) });
    pool = await MediaPool.start({ workers: 1, portRange: await freePortBlock(8), bindAddress: '127.0.0.1', logicModule: agentLogicModule() });
    pool.on('message', (m) => messages.push(m));
    caller = await TestCaller.open();
  });

  afterAll(async () => {
    await pool?.stop();
    caller?.close();
    await server?.close();
  });

  const voicedFromAgent = (): number => caller.received.filter((r) => isVoiced(r.payload)).length;

  it('speaks the first message, hears the caller over RTP, answers, and reports the call', async () => {
    const callId = 'agent-pool-1';
    const agent = agentConfig(OPENAI, { firstMessage: 'Good morning, this is Ada.' });
    const ready = await pool.startCall({ callId, direction: 'inbound', remote: remoteFor(caller.port), agent, providers: { openai: { apiKey: server.apiKey, baseUrl: server.baseUrl } } });
    pool.send(callId, { type: 'call.answered' });

    // The first message arrives as voiced RTP: 600 ms of it.
    await until(() => voicedFromAgent() >= 30, 5000, 'first message on RTP');

    // The caller speaks, paced like a phone: 20 ms frames.
    const speech = sliceFrames(mulawUtterance([{ speech: 600 }]));
    const silence = sliceFrames(mulawUtterance([{ silence: 800 }]));
    const frames = [...speech, ...silence];
    let before = 0;
    for (let i = 0; i < frames.length; i++) {
      if (i === speech.length) before = voicedFromAgent();
      caller.send(ready.local.port, { seq: i, ts: i * 160, payload: frames[i] });
      await sleep(20);
    }
    await until(() => server.receivedAudio().length >= frames.length * 160, 5000, 'caller audio at the model');
    await until(() => voicedFromAgent() >= before + 25, 5000, 'the answer on RTP');
    expect(server.truncations).toHaveLength(0);

    const events = messages.filter((m) => m.type === 'call.event' && m.callId === callId).map((m) => (m as Extract<WorkerToMain, { type: 'call.event' }>).event);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'transcript', role: 'user', text: 'What are your opening hours?', final: true }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'latency', mark: 'first-audio-sent' }));

    pool.send(callId, { type: 'call.stop', reason: 'caller-bye' });
    await until(() => messages.some((m) => m.type === 'call.ended' && m.callId === callId), 5000, 'call.ended');
    const ended = messages.find((m): m is CallEnded => m.type === 'call.ended' && m.callId === callId) as CallEnded;
    expect(ended.usage.responses).toBe(2);
    expect(ended.usage.callerToProviderP95Ms).toBeGreaterThanOrEqual(0);
    expect(ended.usage.deltaToRtpP50Ms).toBeGreaterThan(0);
    expect(ended.messages.map((m) => [m.role, m.content])).toEqual([
      ['assistant', 'Good morning, this is Ada.'],
      ['user', 'What are your opening hours?'],
      ['assistant', 'This is reply 1.'],
    ]);
  });

  it('refuses a malformed agent config with call.start-failed', async () => {
    // The owner reports every factory error as media/start-error, with the validator's message.
    const err = await pool
      .startCall({ callId: 'agent-pool-bad', direction: 'inbound', remote: remoteFor(caller.port), agent: { provider: 'claude' }, providers: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'media/start-error' });
    expect((err as Error).message).toContain('invalid agent config: agent.provider must be one of openai_realtime, xai_realtime, openai, mistral, xai');
  });

  it('without a key: the apology on RTP, then a provider-error hang-up request', async () => {
    const callId = 'agent-pool-nokey';
    const before = caller.received.length;
    await pool.startCall({ callId, direction: 'inbound', remote: remoteFor(caller.port), agent: agentConfig(OPENAI), providers: {} });
    pool.send(callId, { type: 'call.answered' });
    await until(() => caller.received.slice(before).filter((r) => isVoiced(r.payload)).length > 50, 5000, 'apology on RTP');
    const hangup = await new Promise<WorkerToMain>((resolve) => {
      const check = (m: WorkerToMain): void => {
        if (m.type === 'call.hangup-request' && m.callId === callId) resolve(m);
      };
      messages.forEach(check);
      pool.on('message', check);
    });
    expect(hangup).toMatchObject({ reason: 'provider-error', error: { code: 'provider/no_api_key' } });
    pool.send(callId, { type: 'call.stop', reason: 'hangup' });
  }, 20_000);
});
