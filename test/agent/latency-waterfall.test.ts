/**
 * The per-turn latency waterfall of a realtime call (the same report pipeline calls give): from the
 * caller's last voiced packet (the runtime's own voice detector) to the server's response, the first
 * audio delta and the first RTP frame, in `close()`'s `latency`; and `agentReached`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentHarness, OPENAI, until } from './helpers/harness.js';

let harness: AgentHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('latency waterfall (realtime engine)', () => {
  it('dates each answered turn from the caller’s last voiced packet', async () => {
    harness = await AgentHarness.start(OPENAI);
    const h = harness;
    h.answer();
    h.say([{ speech: 600 }, { silence: 800 }]);
    await until(() => h.streamedBytes() > 0, 5000, 'the reply');
    await until(() => h.queuedBytes() > 0, 5000, 'the reply queued');
    h.media.play(3);
    const result = await h.logic.close('stopped');
    expect(result.agentReached).toBe(true);
    const turn = result.latency?.turns[0];
    expect(turn).toMatchObject({ turn: 1, engine: 'realtime', llmRequestMs: null, ttsRequestMs: null, interrupted: false });
    expect(turn?.endOfTurnMs).toBeGreaterThanOrEqual(0);
    expect(turn?.ttsFirstAudioMs).toBeGreaterThanOrEqual(turn?.endOfTurnMs ?? 0);
    expect(turn?.firstRtpMs).toBeGreaterThanOrEqual(turn?.ttsFirstAudioMs ?? 0);
    expect(result.latency?.summary.firstRtpMs?.count).toBe(1);
  });

  it('a call whose provider refused at start never reached an agent', async () => {
    harness = await AgentHarness.startWith(OPENAI, (server) => server.failNext('refuse'));
    harness.answer();
    const result = await harness.logic.close('stopped');
    expect(result.agentReached).toBe(false);
  });
});
