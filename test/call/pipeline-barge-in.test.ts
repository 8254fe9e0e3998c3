/**
 * Barge-in on a pipeline agent, end to end: the caller speaks over a long greeting; the agent's
 * audio stops within 150 ms of the caller's speech onset, the LLM and TTS of the reply are
 * stopped, and the assistant turn (in the transcript and in what the LLM is sent next) holds only
 * what the caller heard, marked interrupted. A false interruption (a short noise, no words) only
 * pauses the agent, which then resumes where it stopped, losing nothing. A caller who goes on after
 * a pause the engine took for the end of the turn gets no reply to the half turn: its LLM request
 * is cancelled and the next one has the whole turn.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { endedCall, eventually, voiced } from './helpers.js';
import { TestPhone, type HeardPacket } from './phone.js';
import { pipelineAgent, startPipelineEngine, type PipelineFakes } from './pipeline-helpers.js';

const GREETING =
  'Welcome to the furniture shop of the town. We sell chairs, tables, lamps and sofas in many colours and sizes. ' +
  'Our opening hours are nine to five on weekdays and ten to four on Saturdays. Ask me anything you like about our products.';

/** Voiced packets heard in [from, to). */
const heardBetween = (packets: HeardPacket[], from: number, to = Infinity) => voiced(packets).filter((p) => p.at >= from && p.at < to);

describe('pipeline barge-in', () => {
  let f: PipelineFakes;
  const at = (n: string) => `${n}@127.0.0.1:${f.engine.sipPort}`;

  beforeAll(async () => {
    // Speech shorter than 300 ms gets no words from the STT fake (a cough).
    f = await startPipelineEngine({ deepgram: { minSpeechMs: 300 } });
    await f.engine.agentWithNumber('+31850002001', pipelineAgent('openai', { provider: 'openai', voiceId: 'alloy' }, { first_message: GREETING }));
    await f.engine.agentWithNumber('+31850002002', pipelineAgent('openai', { provider: 'openai', voiceId: 'alloy' }, { first_message: null }));
  });
  afterAll(() => f?.close());

  it('stops the agent within 150 ms of the caller speaking and keeps only what was heard', async () => {
    f.chat.openai.reset();
    f.chat.openai.enqueue({ content: 'Sorry, go ahead.' });
    f.deepgram.setScript(['Wait, I have a question.']);
    const phone = await TestPhone.start();
    try {
      await phone.dial(at('+31850002001'), '+31612340101');
      await eventually(() => voiced(phone.heard).length >= 100, 10_000, 'two seconds of the greeting');
      phone.say(mulawSpeech(900));
      phone.say(mulawSilence(1200), false);
      await eventually(() => phone.sent.some((s) => s.voiced), 2_000, 'the caller speaking');
      const onset = phone.sent.find((s) => s.voiced)!.at;
      await eventually(() => f.chat.openai.requests.length >= 1, 10_000, 'the caller turn answered');
      const lastAgentBefore = heardBetween(phone.heard, 0, onset + 600).at(-1)!;
      expect(lastAgentBefore.at - onset).toBeLessThan(150);
      // Nothing more of the greeting afterwards: the next voiced audio is the new reply.
      const reply = f.chat.openai.requests[0];
      const assistant = reply.messages.filter((m) => m.role === 'assistant').map((m) => String(m.content));
      expect(assistant).toHaveLength(1);
      expect(assistant[0].length).toBeGreaterThan(10);
      expect(assistant[0].length).toBeLessThan(GREETING.length * 0.6);
      expect(GREETING.startsWith(assistant[0].replace(/\s+/g, ' '))).toBe(true);
      await phone.hangup();
      const row = await endedCall(f.engine);
      await eventually(() => f.ended.some((e) => e.callId === row.id), 5_000, 'call.ended');
      const ended = f.ended.find((e) => e.callId === row.id)!;
      expect(ended.messages[0]).toMatchObject({ role: 'assistant', content: assistant[0], interrupted: true });
      expect(ended.usage.bargeIns).toBe(1);
      expect(ended.latency?.bargeIns[0]).toMatchObject({ confirmed: true });
      expect(ended.latency!.bargeIns[0].onsetToLastRtpMs).toBeLessThan(150);
      const stored = (await f.engine.database.db.query<{ content: string }>("SELECT content FROM call_messages WHERE call_id = $1 AND role = 'assistant' ORDER BY seq", [row.id])).rows;
      expect(stored[0].content).toBe(assistant[0]);
    } finally {
      await phone.close();
    }
  }, 40_000);

  it('a false interruption (a short noise without words) pauses the agent, which resumes', async () => {
    // The earlier calls' post-call summaries ask the LLM too: let them finish before counting requests.
    const ended = (await f.engine.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls WHERE ended_at IS NOT NULL')).rows[0].n;
    const reports = () => f.engine.receiver.requests.filter((r) => r.event === 'end-of-call-report').length;
    await eventually(() => reports() >= ended, 20_000, "the earlier calls' reports");
    f.chat.openai.reset();
    const requestsBefore = f.speech.requests.length;
    const phone = await TestPhone.start();
    try {
      await phone.dial(at('+31850002001'), '+31612340102');
      await eventually(() => voiced(phone.heard).length >= 100, 10_000, 'two seconds of the greeting');
      phone.say(mulawSpeech(120));
      phone.say(mulawSilence(200), false);
      await eventually(() => phone.sent.some((s) => s.voiced), 2_000, 'the noise');
      const onset = phone.sent.find((s) => s.voiced)!.at;
      // Paused: silence for a while after the onset…
      await eventually(() => heardBetween(phone.heard, onset + 400).length > 10, 6_000, 'the greeting to resume');
      const resumedAt = heardBetween(phone.heard, onset + 400)[0].at;
      const paused = heardBetween(phone.heard, onset + 150, resumedAt);
      expect(paused).toHaveLength(0);
      expect(resumedAt - onset).toBeGreaterThan(800);
      // …and nothing lost: the whole greeting plays (its TTS audio is about 60 ms per character).
      await eventually(() => performance.now() - (voiced(phone.heard).at(-1)?.at ?? 0) > 1_500, 30_000, 'the greeting to end');
      const speechMs = f.speech.requests.slice(requestsBefore).reduce((n, r) => n + Math.max(200, String(r.body.input).length * 60), 0);
      expect(voiced(phone.heard).length * 20).toBeGreaterThan(speechMs * 0.9);
      expect(f.chat.openai.requests).toHaveLength(0);
      await phone.hangup();
      const row = await endedCall(f.engine);
      await eventually(() => f.ended.some((e) => e.callId === row.id), 5_000, 'call.ended');
      const ended = f.ended.find((e) => e.callId === row.id)!;
      expect(ended.latency?.bargeIns).toEqual([expect.objectContaining({ confirmed: false })]);
      expect(ended.messages[0]).toMatchObject({ role: 'assistant', content: GREETING });
      expect(ended.messages[0].interrupted).toBeUndefined();
    } finally {
      await phone.close();
    }
  }, 60_000);

  it('no reply is spoken to a turn the caller continued: the half turn is withdrawn and joined', async () => {
    f.chat.openai.reset();
    f.chat.openai.enqueue({ content: 'An answer to half a sentence.', firstTokenDelayMs: 2500 }, { content: 'A blue chair and a table, noted.' });
    f.deepgram.setScript(['I would like a blue chair.', 'And a table too.']);
    const speechBefore = f.speech.requests.length;
    const phone = await TestPhone.start();
    try {
      await phone.dial(at('+31850002002'), '+31612340103');
      phone.say(mulawSilence(200), false);
      phone.say(mulawSpeech(700, { seed: 3 }));
      phone.say(mulawSilence(900), false); // the engine ends the turn after 500 ms of this
      phone.say(mulawSpeech(700, { seed: 4 }));
      phone.say(mulawSilence(1200), false);
      await f.chat.openai.waitForRequests(2, 10_000);
      const [half, whole] = f.chat.openai.requests;
      await eventually(() => half.aborted, 5_000, 'the first request cancelled');
      const users = whole.messages.filter((m) => m.role === 'user').map((m) => String(m.content));
      expect(users).toEqual(['I would like a blue chair. And a table too.']);
      expect(whole.messages.some((m) => m.role === 'assistant')).toBe(false);
      const spoke = performance.now();
      await eventually(() => voiced(phone.heard.filter((p) => p.at > spoke)).length > 10, 8_000, 'the reply');
      // Spoken from its first clause on; nothing of the withdrawn answer.
      expect(f.speech.inputs.slice(speechBefore)).toEqual(['A blue chair and a table,', 'noted.']);
      await phone.hangup();
      await endedCall(f.engine);
    } finally {
      await phone.close();
    }
  }, 40_000);
});
