/**
 * Autonomous silence handling (B §5.3) with hand-driven timers, and voicemail detection on
 * outbound calls (B §5.2), against the fake realtime server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { SILENCE_CHECK_INSTRUCTIONS, SILENCE_GOODBYE_INSTRUCTIONS } from '../../media/agent/silence.js';
import { AgentHarness, FLAVOURS, OPENAI, speakingScript, until } from './helpers/harness.js';

let harness: AgentHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const SILENCE = { enabled: true, firstCheckMs: 7000, intervalMs: 12_000, maxPrompts: 3 };

function instructionsOf(h: AgentHarness): string[] {
  return h.server.eventsOfType('response.create').map((e) => String((e.event.response as { instructions?: string } | undefined)?.instructions));
}

/** Waits for the check-in `n` to be answered and plays it; the silence timer is then running again. */
async function answerCheckIn(h: AgentHarness, time: FakeTime, n: number): Promise<void> {
  await h.agentTurns(n);
  await until(() => h.queuedBytes() === h.streamedBytes());
  h.media.playAll();
  await until(() => time.pendingTimers === 1, 5000, 'silence timer armed');
}

describe.each(FLAVOURS)('$provider silence handling', (flavour) => {
  it('checks in after 7 s, then every 12 s, three times, then says goodbye and hangs up silence-timeout', async () => {
    const time = new FakeTime();
    const h = (harness = await AgentHarness.start(flavour, { time, config: { silence: SILENCE } }));
    h.answer();
    await until(() => time.pendingTimers === 1, 5000, 'silence timer armed');
    time.advance(6999);
    expect(h.clientCount('response.create')).toBe(0);
    time.advance(1);
    await h.server.waitFor('response.create');
    await answerCheckIn(h, time, 1);
    time.advance(11_999);
    expect(h.clientCount('response.create')).toBe(1);
    time.advance(1);
    await answerCheckIn(h, time, 2);
    time.advance(12_000);
    await answerCheckIn(h, time, 3);
    expect(instructionsOf(h)).toEqual([...SILENCE_CHECK_INSTRUCTIONS]);
    expect(h.host.hangups).toHaveLength(0);

    time.advance(12_000);
    await h.agentTurns(4);
    expect(instructionsOf(h)[3]).toBe(SILENCE_GOODBYE_INSTRUCTIONS);
    await until(() => h.queuedBytes() === h.streamedBytes());
    expect(h.host.hangups).toHaveLength(0);
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('silence-timeout');
    // Silence handling gives the model end_call even when the agent has no endCall tool.
    const update = await h.server.waitFor('session.update');
    expect((update.event.session as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('end_call');
  });
});

describe('silence handling details', () => {
  it('caller speech resets the count; the end-call message is the goodbye when set', async () => {
    const time = new FakeTime();
    const h = (harness = await AgentHarness.start(OPENAI, {
      time,
      config: { silence: { ...SILENCE, maxPrompts: 1 }, endCallMessage: 'Goodbye for now.' },
    }));
    h.answer();
    await until(() => time.pendingTimers === 1);
    time.advance(7000);
    await answerCheckIn(h, time, 1);
    // The caller answers: the model replies, and the next quiet period starts from the first check again.
    h.say();
    await h.agentTurns(2);
    await until(() => h.queuedBytes() === h.streamedBytes());
    h.media.playAll();
    await until(() => time.pendingTimers === 1);
    time.advance(7000);
    await answerCheckIn(h, time, 3);
    expect(instructionsOf(h)[1]).toBe(SILENCE_CHECK_INSTRUCTIONS[0]);
    time.advance(12_000);
    await h.agentTurns(4);
    expect(h.finalTurns('assistant')[3]).toBe('Goodbye for now.');
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('silence-timeout');
  });

  it('no check-in while the agent still speaks or the caller talks', async () => {
    const time = new FakeTime();
    const h = (harness = await AgentHarness.start(OPENAI, { time, config: { silence: SILENCE, firstMessage: 'Hello!' } }));
    h.answer();
    await h.agentTurns(1);
    time.advance(30_000);
    expect(h.clientCount('response.create')).toBe(1);
    h.media.playAll();
    await until(() => time.pendingTimers === 1);
    h.say([{ speech: 400 }]);
    await until(() => h.host.eventsOf('speech-started').some((e) => e.who === 'user'));
    time.advance(30_000);
    expect(h.clientCount('response.create')).toBe(1);
  });

  it('is off unless enabled', async () => {
    const time = new FakeTime();
    const h = (harness = await AgentHarness.start(OPENAI, { time }));
    h.answer();
    time.advance(120_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.clientCount('response.create')).toBe(0);
    expect(h.host.hangups).toHaveLength(0);
  });
});

const MACHINE = 'Hallo, u spreekt met de voicemail van Jan. Spreek een bericht in na de piep.';

describe.each(FLAVOURS)('$provider voicemail detection', (flavour) => {
  const outbound = (message: string | null, transcript = MACHINE) =>
    AgentHarness.start(flavour, {
      config: { direction: 'outbound', voicemail: { enabled: true, message } },
      server: { script: speakingScript({ turns: [{ transcript }, { transcript: 'Please leave a message.' }] }) },
    });

  it('a greeting with an indicator: speaks the voicemail message, then hangs up voicemail', async () => {
    const h = (harness = await outbound('Hi Jan, this is Ada from Acme. Please call us back.'));
    h.answer();
    h.say();
    await until(() => h.finalTurns('assistant').includes('Hi Jan, this is Ada from Acme. Please call us back.'), 5000, 'voicemail message');
    await until(() => h.serverCount('response.done') === 2);
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('voicemail');
    // The agent's own answer to the greeting was cut off.
    expect(h.finalTurns('assistant').filter((t) => t.startsWith('This is reply'))).toHaveLength(0);
  });

  it('no voicemail message: hangs up at once', async () => {
    const h = (harness = await outbound(null));
    h.answer();
    h.say();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0].reason).toBe('voicemail');
  });

  it('a person answering: only the first utterance is checked', async () => {
    const h = (harness = await outbound('Leave it.', 'Hello, this is Jan speaking.'));
    h.answer();
    h.say();
    await h.agentTurns(1);
    h.media.playAll();
    h.say(); // "Please leave a message." is a second utterance: not checked.
    await h.agentTurns(2);
    expect(h.host.hangups).toHaveLength(0);
  });
});

describe('voicemail detection scope', () => {
  it('inbound calls are never checked', async () => {
    const h = (harness = await AgentHarness.start(OPENAI, {
      config: { direction: 'inbound', voicemail: { enabled: true, message: 'x' } },
      server: { script: speakingScript({ turns: [{ transcript: MACHINE }] }) },
    }));
    h.answer();
    h.say();
    await h.agentTurns(1);
    expect(h.host.hangups).toHaveLength(0);
  });
});
