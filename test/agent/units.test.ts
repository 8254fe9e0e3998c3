/**
 * Pure parts of the agent runtime: the config gate, the voicemail matcher, tool output, the
 * response scheduler and the goodbye tracker; and the usage the runtime reports at the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { AgentConfigError, createAgentLogic, findVoicemailIndicator, parseAgentConfig } from '../../media/agent/index.js';
import { Farewell } from '../../media/agent/farewell.js';
import { ResponseScheduler } from '../../media/agent/responses.js';
import { sessionConfig } from '../../media/agent/session-setup.js';
import { toolOutput } from '../../media/agent/tools.js';
import { AgentHarness, FLAVOURS, OPENAI, XAI, agentConfig, until } from './helpers/harness.js';
import { FakeCallMedia } from './helpers/fake-media.js';
import { FakeHost } from './helpers/fake-host.js';

describe('parseAgentConfig', () => {
  const valid = { provider: 'xai_realtime', model: 'grok-voice-latest', direction: 'inbound' };

  it('fills the documented defaults', () => {
    expect(parseAgentConfig(valid)).toEqual({
      ...valid,
      mode: 'realtime',
      instructions: '',
      tools: [],
      voicemail: { enabled: false, message: null },
      silence: { enabled: false, firstCheckMs: 7000, intervalMs: 12_000, maxPrompts: 3 },
    });
  });

  it('accepts a full config unchanged', () => {
    const full = agentConfig(OPENAI, {
      tools: [
        { type: 'function', name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: {} } },
        { type: 'endCall' },
        { type: 'transferCall', destinations: [{ destination: 'sip:sales@example.com', description: 'sales', message: 'One moment.' }] },
      ],
      firstMessage: 'Hi',
      endCallMessage: 'Bye',
      temperature: 0.7,
      language: 'nl',
      turnDetection: { threshold: 0.5, silenceDurationMs: 300 },
      context: 'Customer: Jan',
      direction: 'outbound',
      voicemail: { enabled: true, message: 'Call us back.' },
    });
    expect(parseAgentConfig(structuredClone(full))).toEqual({ ...full, mode: 'realtime' });
  });

  it.each([
    [null, 'agent', 'must be an object'],
    [{ ...valid, provider: 'claude' }, 'agent.provider', 'must be one of'],
    [{ ...valid, provider: 'openai' }, 'agent.stt', 'must be an object'],
    [{ ...valid, mode: 'pipeline' }, 'agent.mode', 'must be realtime'],
    [{ ...valid, model: '' }, 'agent.model', 'must not be empty'],
    [{ ...valid, direction: 'sideways' }, 'agent.direction', 'inbound or outbound'],
    [{ ...valid, temperature: 3 }, 'agent.temperature', 'between 0 and 2'],
    [{ ...valid, tools: {} }, 'agent.tools', 'must be an array'],
    [{ ...valid, tools: [{ type: 'function', name: 'has space' }] }, 'agent.tools[0].name', 'letters, digits'],
    [{ ...valid, tools: [{ type: 'function', name: 'end_call' }] }, 'agent.tools[0].name', 'reserved'],
    [{ ...valid, tools: [{ type: 'function', name: 'a' }, { type: 'function', name: 'a' }] }, 'agent.tools[1].name', 'duplicates'],
    [{ ...valid, tools: [{ type: 'transferCall', destinations: [] }] }, 'agent.tools[0].destinations', 'non-empty'],
    [{ ...valid, tools: [{ type: 'webSearch' }] }, 'agent.tools[0].type', 'must be function'],
    [{ ...valid, silence: { enabled: 'yes' } }, 'agent.silence.enabled', 'boolean'],
    [{ ...valid, silence: { enabled: true, firstCheckMs: -1 } }, 'agent.silence.firstCheckMs', 'between'],
    [{ ...valid, voicemail: { enabled: true, message: 5 } }, 'agent.voicemail.message', 'string'],
  ])('rejects %j (%s)', (value, param, message) => {
    let error: unknown;
    try {
      parseAgentConfig(value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AgentConfigError);
    expect(error).toMatchObject({ code: 'media/bad-request', param });
    expect((error as Error).message).toContain(message);
  });

  it('createAgentLogic refuses a malformed config with a media/bad-request error (call.start-failed)', () => {
    const start = { type: 'call.start' as const, callId: 'c', direction: 'inbound' as const, remote: null, agent: { provider: 'nope' }, providers: {} };
    expect(() => createAgentLogic(new FakeCallMedia(), start, new FakeHost())).toThrow(AgentConfigError);
  });
});

describe('session config', () => {
  it('exposes the built-ins as function tools with server VAD that answers and yields', () => {
    const config = sessionConfig(
      agentConfig(OPENAI, { tools: [{ type: 'endCall' }], context: 'VIP customer', language: 'nl', turnDetection: { silenceDurationMs: 400 } }),
      'pcmu',
    );
    expect(config.tools?.map((t) => t.name)).toEqual(['end_call']);
    expect(config.turnDetection).toEqual({ type: 'server_vad', silenceDurationMs: 400, createResponse: true, interruptResponse: true });
    expect(config.instructions).toBe('You are a friendly test agent.\n\nContext for this call:\nVIP customer');
    expect(config.transcription).toEqual({ language: 'nl' });
    expect(config.inputFormat).toBe('pcmu');
  });
});

describe('voicemail indicators', () => {
  it.each([
    ['Please leave a message after the beep.', 'leave a message'],
    ['The person you are calling is not available.', 'not available'],
    ['Welcome to the mailbox of Jan', 'mailbox'],
    ['U spreekt met de voicemail van Piet', 'voicemail'],
    ['Spreek een bericht in na de piep', 'spreek een bericht in'],
    ['Ik ben momenteel niet bereikbaar', 'niet bereikbaar'],
    ['Laat een bericht achter!', 'bericht achter'],
  ])('%s → %s', (text, indicator) => {
    expect(findVoicemailIndicator(text)).toBe(indicator);
  });

  it.each(['Hello, this is Jan speaking.', 'Goedemiddag, met Piet.', 'Yes? Who is this?', 'I sent messages yesterday'])('%s → none', (text) => {
    expect(findVoicemailIndicator(text)).toBeNull();
  });
});

describe('tool output', () => {
  it('strings pass, values become JSON, errors {"error": …}', () => {
    expect(toolOutput('plain text')).toBe('plain text');
    expect(toolOutput({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(toolOutput(undefined)).toBe('null');
    expect(toolOutput(42)).toBe('42');
    expect(toolOutput({ ok: true }, 'boom')).toBe('{"error":"boom"}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(toolOutput(cyclic)).error).toBeTruthy();
  });
});

describe('ResponseScheduler', () => {
  it('sends one request at a time, after the active response, and retries a busy refusal', () => {
    const time = new FakeTime();
    const scheduler = new ResponseScheduler(time);
    const sent: string[] = [];
    const started: string[] = [];
    const req = (name: string) => ({ send: () => (sent.push(name), true), onStarted: (id: string) => started.push(`${name}:${id}`) });
    scheduler.request(req('a'));
    expect(sent).toEqual([]);
    scheduler.setReady();
    expect(sent).toEqual(['a']);
    scheduler.request(req('b'));
    scheduler.onStarted('r1');
    expect(sent).toEqual(['a']);
    scheduler.onDone('r1');
    expect(sent).toEqual(['a', 'b']);
    // The server had started a response of its own: "b" was refused and waits for it.
    scheduler.onStarted('server');
    scheduler.onBusy();
    scheduler.onDone('server');
    expect(sent).toEqual(['a', 'b', 'b']);
    scheduler.onStarted('r2');
    expect(started).toEqual(['a:r1', 'b:server', 'b:r2']);
    expect(scheduler.busy).toBe(true);
    scheduler.onDone('r2');
    expect(scheduler.busy).toBe(false);
  });

  it('gives up on a request never started, and fails everything when stopped', () => {
    const time = new FakeTime();
    const scheduler = new ResponseScheduler(time);
    const failed: string[] = [];
    scheduler.setReady();
    scheduler.request({ send: () => true, onFailed: () => failed.push('lost') });
    scheduler.request({ send: () => true, onFailed: () => failed.push('queued') });
    time.advance(5000);
    expect(failed).toEqual(['lost']);
    scheduler.stop();
    expect(failed).toEqual(['lost', 'queued']);
    scheduler.request({ send: () => true, onFailed: () => failed.push('late') });
    expect(failed).toEqual(['lost', 'queued', 'late']);
  });
});

describe('Farewell', () => {
  function setup() {
    const time = new FakeTime();
    let queued = 0;
    const hangups: string[] = [];
    const farewell = new Farewell({ time, queuedMs: () => queued, hangup: (r) => hangups.push(r.reason), responseTimeoutMs: 15_000, drainSlackMs: 2000 });
    return { time, farewell, hangups, setQueued: (ms: number) => (queued = ms) };
  }

  it('waits for its response, then for the audio, once', () => {
    const { farewell, hangups, setQueued } = setup();
    farewell.afterResponse({ reason: 'end-call' }, null);
    farewell.expect('r1');
    farewell.responseDone('r0');
    setQueued(400);
    farewell.responseDone('r1');
    expect(hangups).toEqual([]);
    farewell.drained();
    setQueued(0);
    farewell.drained();
    farewell.drained();
    farewell.now({ reason: 'again' });
    expect(hangups).toEqual(['end-call']);
  });

  it('is bounded: a response that never ends, audio that never drains', () => {
    const { time, farewell, hangups, setQueued } = setup();
    farewell.afterResponse({ reason: 'agent-hangup' }, 'r1');
    setQueued(1000);
    time.advance(15_000);
    expect(hangups).toEqual([]);
    time.advance(3000);
    expect(hangups).toEqual(['agent-hangup']);
  });
});

describe('usage', () => {
  let harness: AgentHarness | null = null;
  afterEach(async () => {
    await harness?.close();
    harness = null;
  });

  it.each(FLAVOURS)('$provider: sums response usage, counts responses and barge-ins, reports latency figures', async (flavour) => {
    const usage = flavour === XAI ? { total_tokens: 30, input_tokens: 20, output_tokens: 10, input_token_details: { audio_tokens: 15, text_tokens: 5, cached_tokens: 2 }, output_token_details: { audio_tokens: 9, text_tokens: 1 } } : undefined;
    const h = (harness = await AgentHarness.start(flavour, { config: { firstMessage: 'Hello.' }, server: usage ? { xaiUsage: usage } : {} }));
    h.answer();
    await h.agentTurns(1);
    h.media.playAll();
    h.say();
    await h.agentTurns(2);
    await until(() => h.serverCount('response.done') === 2);
    // response.done follows the final transcript on the same socket: give it a moment to be read.
    await new Promise((r) => setTimeout(r, 100));
    h.media.playAll();
    const result = await h.close();
    harness = null;
    const sent = h.server.serverEvents.filter((e) => e.type === 'response.done').map((e) => (e.event.response as { usage: Record<string, number> }).usage);
    const sum = (key: string) => sent.reduce((n, u) => n + (u[key] ?? 0), 0);
    expect(result.usage).toMatchObject({ responses: 2, bargeIns: 0, inputTokens: sum('input_tokens'), outputTokens: sum('output_tokens'), totalTokens: sum('total_tokens') });
    expect(result.usage?.inputTokens).toBeGreaterThan(0);
    if (flavour === XAI) expect(result.usage).toMatchObject({ inputAudioTokens: 30, inputCachedTokens: 4, outputAudioTokens: 18 });
    expect(result.usage?.deltaToRtpP95Ms).toBeGreaterThan(0);
    expect(result.usage?.providerAudioBytesSent).toBe(h.server.receivedAudio().length);
    expect(result.messages?.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant']);
  });
});
