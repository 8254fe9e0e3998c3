/** The pure parts of post-call analysis: placeholders, strict schemas, plans, model choice, report ids, transcript text. */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { chooseModel } from '../../src/analysis/llm.js';
import { renderNotification } from '../../src/analysis/notification.js';
import { fillPlaceholders, mentionsSchema, usesSummary } from '../../src/analysis/placeholders.js';
import { effectivePlan, skipReason } from '../../src/analysis/plan.js';
import { reportDeliveryId } from '../../src/analysis/report.js';
import { dropNullOptionals, toStrictSchema } from '../../src/analysis/strict-schema.js';
import { conversationLength, transcriptText, type StoredMessage } from '../../src/analysis/transcript.js';
import type { CallRecord } from '../../src/analysis/call-record.js';
import { normalizeAnalysisPlan } from '../../src/agents/index.js';

const vars = { transcript: 'User: hi', ended_reason: 'customer-hangup', schema: '{"type":"object"}', summary: 'S.', duration: '84', caller_number: '+31612345678' };

describe('placeholders', () => {
  it('fills every documented spelling: {{snake}}, {{camel}}, {{ spaced }} and G3 single braces', () => {
    const text = '{{transcript}} | {{ended_reason}} | {{endedReason}} | {{ schema }} | {transcript} | {summary} | {duration} | {caller_number} | {{callerNumber}}';
    expect(fillPlaceholders(text, vars)).toBe('User: hi | customer-hangup | customer-hangup | {"type":"object"} | User: hi | S. | 84 | +31612345678 | +31612345678');
  });

  it('leaves JSON examples and unknown names alone', () => {
    const text = 'Answer like {"sentiment": 8} or {{unknown}} or {name}; transcript: {{transcript}}';
    expect(fillPlaceholders(text, vars)).toBe('Answer like {"sentiment": 8} or {{unknown}} or {name}; transcript: User: hi');
  });

  it('knows when a prompt needs the summary first or already shows the schema', () => {
    expect(usesSummary(['Summary: {summary}'])).toBe(true);
    expect(usesSummary(['{{transcript}}'])).toBe(false);
    expect(mentionsSchema(['Schema: {{schema}}'])).toBe(true);
    expect(mentionsSchema(['no schema here'])).toBe(false);
  });
});

describe('strict schemas for OpenAI', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer' },
      mood: { enum: ['happy', 'sad'] },
      address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } }, required: ['city'] },
      tags: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' } } } },
    },
    required: ['name'],
  };

  it('closes every object, requires every property and makes the optional ones nullable', () => {
    const strict = toStrictSchema(schema)!;
    expect(strict).toMatchObject({
      additionalProperties: false,
      required: ['name', 'age', 'mood', 'address', 'tags'],
      properties: {
        name: { type: 'string' },
        age: { type: ['integer', 'null'] },
        mood: { anyOf: [{ enum: ['happy', 'sad'] }, { type: 'null' }] },
        address: { type: ['object', 'null'], additionalProperties: false, required: ['city', 'zip'], properties: { zip: { type: ['string', 'null'] } } },
        tags: { type: ['array', 'null'], items: { additionalProperties: false, required: ['label'] } },
      },
    });
    expect(schema.properties.age).toEqual({ type: 'integer' }); // the user's schema is untouched
    expect(toStrictSchema({ type: 'array', items: {} })).toBeNull();
  });

  it('maps a strict answer back so it validates against the user schema', () => {
    const answer = { name: 'Jan', age: null, mood: null, address: { city: 'Delft', zip: null }, tags: [{ label: null }] };
    const back = dropNullOptionals(answer, schema);
    expect(back).toEqual({ name: 'Jan', address: { city: 'Delft' }, tags: [{}] });
    expect(new Ajv({ strict: false }).validate(schema, back)).toBe(true);
    // A null the user's schema allows stays.
    expect(dropNullOptionals({ note: null }, { type: 'object', properties: { note: { type: ['string', 'null'] } } })).toEqual({ note: null });
  });
});

describe('plans', () => {
  it('summarises by default, extracts with an enabled schema, and honours summaryPlan.enabled false', () => {
    expect(effectivePlan(null)).toMatchObject({ summary: { messages: expect.any(Array) }, structured: null, minMessages: 2 });
    const plan = normalizeAnalysisPlan({ structured_data_plan: { schema: { type: 'object' } }, summary_plan: { enabled: false }, min_messages_threshold: 4 });
    expect(effectivePlan(plan)).toMatchObject({ summary: null, structured: { schema: { type: 'object' } }, minMessages: 4 });
    expect(effectivePlan(normalizeAnalysisPlan({ structuredDataPlan: { enabled: false } }))).toMatchObject({ structured: null });
  });

  it('skips calls never answered, too short, or with nothing planned', () => {
    const p = effectivePlan(null);
    const answered = { startedAt: new Date() };
    expect(skipReason(p, { startedAt: null }, 10)).toBe('not-connected');
    expect(skipReason(p, answered, 1)).toBe('too-few-messages');
    expect(skipReason(p, answered, 2)).toBeNull();
    expect(skipReason(effectivePlan(normalizeAnalysisPlan({ summaryPlan: { enabled: false } })), answered, 9)).toBe('nothing-planned');
  });
});

describe('model choice', () => {
  const settings = { reportCapMs: 60_000, provider: null, model: null, requestTimeoutMs: 30_000 };
  it("follows the agent's chat provider and model, a realtime agent's vendor with its default chat model, else OpenAI", () => {
    expect(chooseModel(settings, { provider: 'mistral', model: 'mistral-large-latest' })).toEqual({ provider: 'mistral', model: 'mistral-large-latest' });
    expect(chooseModel(settings, { provider: 'xai_realtime', model: 'grok-voice-latest' })).toEqual({ provider: 'xai', model: 'grok-3-mini' });
    expect(chooseModel(settings, null)).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
  });
  it('lets ANALYSIS_LLM_PROVIDER / ANALYSIS_LLM_MODEL win', () => {
    expect(chooseModel({ ...settings, provider: 'openai' }, { provider: 'mistral', model: 'mistral-large-latest' })).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(chooseModel({ ...settings, model: 'gpt-4.1-mini' }, null)).toEqual({ provider: 'openai', model: 'gpt-4.1-mini' });
  });
});

describe('report ids', () => {
  it('derives one stable version-5 UUID per call', () => {
    const a = reportDeliveryId('0b9e4c1e-1111-4a4a-9b9b-000000000001');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(reportDeliveryId('0b9e4c1e-1111-4a4a-9b9b-000000000001')).toBe(a);
    expect(reportDeliveryId('0b9e4c1e-1111-4a4a-9b9b-000000000002')).not.toBe(a);
  });
});

describe('transcript text', () => {
  const m = (role: StoredMessage['role'], content: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
    seq: 0, role, content, interrupted: false, started_at: null, ended_at: null, tool_calls: null, tool_call_id: null, name: null, ...extra,
  });
  it('writes speakers, marks cut-off turns, lists tool calls and results, and counts spoken turns only', () => {
    const messages = [
      m('system', 'You are nice.'),
      m('assistant', 'Hello, how can'),
      m('user', 'Hours?', { interrupted: false }),
      m('assistant', '', { tool_calls: [{ id: 'c1', name: 'hours', arguments: { day: 'mon' } }] }),
      m('tool', '9-17', { tool_call_id: 'c1', name: 'hours' }),
      m('assistant', 'Nine to five', { interrupted: true }),
    ];
    expect(transcriptText(messages)).toBe(
      ['AI: Hello, how can', 'User: Hours?', 'AI called tool hours({"day":"mon"})', 'Tool result (hours): 9-17', 'AI: Nine to five [interrupted by the caller]'].join('\n'),
    );
    expect(conversationLength(messages)).toBe(3);
  });
});

describe('notification e-mail', () => {
  it('escapes what comes from the call in the HTML and names caller, duration and link', () => {
    const call = { id: 'c-1', caller_phone: '+31612345678', assistant_phone: '+31850001234', duration_seconds: 125, end_reason: 'customer-hangup', status: 'ended', summary: 'Asked about <b>prices</b>.', analysis_result: { ok: true } } as unknown as CallRecord;
    const mail = renderNotification(call, 'Front desk', 'https://vg.example');
    expect(mail.subject).toBe('Call from +31612345678 with Front desk (2:05)');
    expect(mail.text).toContain('Duration: 2:05');
    expect(mail.text).toContain('https://vg.example/api/v1/calls/c-1');
    expect(mail.html).toContain('Asked about &#60;b&#62;prices&#60;/b&#62;.');
    expect(mail.html).not.toContain('<b>prices');
  });
});
