/**
 * The pipeline's pure parts: the turn detector (onset, interruption confirmed or dismissed, end of
 * turn after Deepgram's endpoint with punctuation-aware waits, bounds, Finalize), the sentence
 * splitter, the conversation as each vendor takes it, tool calls in every streaming style, and the
 * per-turn latency log.
 */
import { describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { TURN_TAKING_DEFAULTS } from '../../media/agent/config.js';
import { Conversation } from '../../media/agent/pipeline/conversation.js';
import { SentenceSplitter } from '../../media/agent/pipeline/sentences.js';
import { TurnDetector } from '../../media/agent/pipeline/turn-detector.js';
import { TurnLatencyLog, percentiles } from '../../media/agent/turn-latency.js';
import { chatCapabilities } from '../../media/providers/chat/capabilities.js';
import { ToolCallAccumulator } from '../../media/providers/chat/tool-calls.js';

function detector(over: Partial<typeof TURN_TAKING_DEFAULTS> = {}) {
  const time = new FakeTime(0);
  const log: string[] = [];
  const d = new TurnDetector({ ...TURN_TAKING_DEFAULTS, ...over }, time, () => time.now(), {
    speechStarted: (at) => log.push(`onset@${at}`),
    interruption: (confirmed) => log.push(confirmed ? 'confirmed' : 'dismissed'),
    finalize: () => log.push('finalize'),
    endOfTurn: (text, end, at) => log.push(`turn:${text}:${at - end}`),
    noTurn: () => log.push('noTurn'),
  });
  /** Feeds `ms` of frames, advancing the clock 20 ms per frame. */
  const frames = (ms: number, voiced: boolean) => {
    for (let t = 0; t < ms; t += 20) {
      d.frame(voiced, time.now());
      time.advance(20);
    }
  };
  const t = (text: string, isFinal = false, speechFinal = false) => d.transcript({ text, isFinal, speechFinal, fromFinalize: false, words: text.split(/\s+/).filter(Boolean).length });
  return { d, time, log, frames, t };
}

describe('turn detector', () => {
  it('ends a punctuated turn at the minimum after the last voiced packet', () => {
    const { log, frames, t, time } = detector();
    frames(600, true);
    expect(log[0]).toBe('onset@0');
    frames(300, false);
    t('Hello there.', true, true);
    time.advance(1000);
    expect(log).toContain('turn:Hello there.:500');
  });

  it('waits longer without punctuation, and the caller going on cancels the end', () => {
    const { log, frames, t, time } = detector();
    frames(400, true);
    frames(300, false);
    t('I would like', true, true);
    time.advance(1000);
    expect(log.some((l) => l.startsWith('turn:'))).toBe(false);
    frames(400, true);
    frames(300, false);
    t('a blue chair.', true, true);
    time.advance(600);
    expect(log.filter((l) => l.startsWith('turn:'))).toEqual([expect.stringMatching(/^turn:I would like a blue chair\.:/)]);
  });

  it('asks Deepgram to finalise after the minimum silence, and ends at the maximum without a final', () => {
    const { log, frames, t, time } = detector();
    frames(500, true);
    t('maybe');
    frames(200, false);
    time.advance(400);
    expect(log).toContain('finalize');
    time.advance(3000);
    expect(log).toContain('turn:maybe:3000');
  });

  it('confirms an interruption after the minimum speech, or at once on words', () => {
    const a = detector();
    a.frames(480, true);
    expect(a.log).not.toContain('confirmed');
    a.frames(60, true);
    expect(a.log).toContain('confirmed');
    const b = detector();
    b.frames(200, true);
    b.t('wait');
    expect(b.log).toContain('confirmed');
  });

  it('dismisses a short noise without words after the false-interruption wait: no turn', () => {
    const { log, frames, time } = detector();
    frames(100, true);
    frames(200, false);
    time.advance(999 - 160);
    // Deepgram is asked for a final of whatever it heard; no words, so still no verdict.
    expect(log).toEqual(['onset@0', 'finalize']);
    time.advance(200);
    expect(log).toEqual(['onset@0', 'finalize', 'dismissed', 'noTurn']);
  });

  it('needs the configured words before speech alone confirms', () => {
    const { log, frames, t } = detector({ interruptionMinWords: 2 });
    frames(800, true);
    expect(log).not.toContain('confirmed');
    t('no');
    expect(log).not.toContain('confirmed');
    t('no wait');
    expect(log).toContain('confirmed');
  });
});

describe('sentence splitter', () => {
  it('cuts sentences and a first clause, not decimals or abbreviations', () => {
    const s = new SentenceSplitter();
    const out = [...s.push('Well, thanks for your patience, '), ...s.push('Mr. Smith. It costs 3.50 euro! Anything else'), ...s.push('? Bye')];
    expect(out).toEqual(['Well, thanks for your patience,', 'Mr. Smith.', 'It costs 3.50 euro!', 'Anything else?']);
    expect(s.flush()).toBe('Bye');
  });
});

describe('conversation', () => {
  const call = { id: 'call_abc123def456', name: 'check_stock', arguments: '{"sku":"A1"}' };

  it('keeps tool results after their call and maps ids to 9 characters for Mistral', () => {
    const c = new Conversation('You help.');
    c.addUser('Is it in stock?');
    c.addAssistant('Let me check.', [call]);
    c.addUser('And the price?');
    c.addToolResult(call.id, '{"stock":3}');
    const openai = c.render(chatCapabilities('openai'));
    expect(openai.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    const mistral = c.render(chatCapabilities('mistral'), 'Answer briefly.');
    expect(mistral.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'user']);
    const tool = mistral.find((m) => m.role === 'tool') as { tool_call_id: string };
    expect(tool.tool_call_id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect((mistral[2] as { tool_calls: Array<{ id: string }> }).tool_calls[0].id).toBe(tool.tool_call_id);
  });

  it('keeps only what was heard of an interrupted reply, and drops a reply nobody heard', () => {
    const c = new Conversation('');
    c.addUser('Hi');
    const ref = c.addAssistant('Hello, welcome to the shop, how can I help?');
    c.setHeard(ref, 'Hello, welcome');
    expect(c.render(chatCapabilities('openai')).at(-1)).toEqual({ role: 'assistant', content: 'Hello, welcome' });
    const gone = c.addAssistant('Never heard.');
    c.setHeard(gone, '');
    expect(c.endsWithUser).toBe(false);
    expect(c.render(chatCapabilities('openai'))).toHaveLength(2);
  });
});

describe('tool calls in each streaming style', () => {
  it('OpenAI: fragments keyed by index', () => {
    const acc = new ToolCallAccumulator();
    acc.add([{ index: 0, id: 'call_1', function: { name: 'a', arguments: '' } }, { index: 1, id: 'call_2', function: { name: 'b', arguments: '{' } }]);
    acc.add([{ index: 0, function: { arguments: '{"x":' } }]);
    acc.add([{ index: 0, function: { arguments: '1}' } }, { index: 1, function: { arguments: '}' } }]);
    expect(acc.calls()).toEqual([{ id: 'call_1', name: 'a', arguments: '{"x":1}' }, { id: 'call_2', name: 'b', arguments: '{}' }]);
  });

  it('Mistral: whole calls without index; xAI: whole calls all with index 0', () => {
    const m = new ToolCallAccumulator();
    m.add([{ id: 'abcDEF123', function: { name: 'a', arguments: '{}' } }]);
    m.add([{ id: 'xyzXYZ789', function: { name: 'b', arguments: '{"y":2}' } }]);
    expect(m.calls().map((c) => c.id)).toEqual(['abcDEF123', 'xyzXYZ789']);
    const x = new ToolCallAccumulator();
    x.add([{ index: 0, id: 'call_51851897', function: { name: 'a', arguments: '{}' } }]);
    x.add([{ index: 0, id: 'call_51851898', function: { name: 'b', arguments: '{}' } }]);
    expect(x.calls().map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('turn latency log', () => {
  it('measures each step from the last voiced packet and summarises p50/p95', () => {
    const log = new TurnLatencyLog('pipeline');
    log.onMarks({ responseId: 'r1', speechEndAt: 1000, endOfTurnAt: 1500 });
    log.update({ responseId: 'r1', speechEndAt: 1000, llmRequestAt: 1501, llmFirstTokenAt: 1600, ttsRequestAt: 1620, ttsFirstAudioAt: 1700 });
    log.firstRtp('r1', 1715);
    log.bargeInOnset(5000);
    log.frameSent(5080);
    log.bargeInResolved(true);
    const r = log.report();
    expect(r.turns[0]).toMatchObject({ endOfTurnMs: 500, llmRequestMs: 501, llmFirstTokenMs: 600, ttsRequestMs: 620, ttsFirstAudioMs: 700, firstRtpMs: 715 });
    expect(r.bargeIns).toEqual([{ onsetToLastRtpMs: 80, confirmed: true }]);
    expect(r.summary.firstRtpMs).toEqual({ p50: 715, p95: 715, count: 1 });
    expect(percentiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100])).toEqual({ p50: 10, p95: 19, count: 20 });
  });
});
