import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { expectOrgIsolation } from './isolation-helpers.js';

let t: TestApp;
let a: TestOrg;
let b: TestOrg;

beforeAll(async () => {
  t = await buildTestApp();
  a = await t.createOrg();
  b = await t.createOrg();
});
afterAll(() => t.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
async function call(method: Method, url: string, payload?: unknown, key = a.apiKey) {
  const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(key), ...(payload !== undefined && { payload: payload as object }) });
  return { status: res.statusCode, body: res.json() };
}

const schema = { type: 'object', properties: { interested: { type: 'boolean' }, callback: { type: 'string' } }, required: ['interested'] };

describe('POST /analysis-templates', () => {
  it('creates the API-page variant (system_prompt + user_prompt) under both wrappers', async () => {
    const res = await call('POST', '/analysis-templates', {
      name: 'Lead qualification',
      description: 'Is the lead interested?',
      system_prompt: 'You extract data.',
      user_prompt: 'Transcript: {{transcript}}',
      schema,
    });
    expect(res.status).toBe(201);
    expect(res.body.analysisTemplate).toEqual(res.body.analysis_template);
    expect(res.body.analysis_template).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      org_id: a.org.id,
      name: 'Lead qualification',
      description: 'Is the lead interested?',
      system_prompt: 'You extract data.',
      user_prompt: 'Transcript: {{transcript}}',
      schema,
      messages: null,
      min_messages_threshold: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it('creates the guide variant (messages + min_messages_threshold)', async () => {
    const messages = [
      { role: 'system', content: 'Schema: {{schema}}' },
      { role: 'user', content: 'Transcript: {{transcript}}\nEnded: {{ended_reason}}' },
    ];
    const res = await call('POST', '/analysis-templates', { name: 'Guide', schema, messages, min_messages_threshold: 3 });
    expect(res.status).toBe(201);
    expect(res.body.analysis_template).toMatchObject({ messages, min_messages_threshold: 3, system_prompt: null, user_prompt: null });
  });

  it('requires a JSON-Schema-like schema and refuses bad fields', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'x' }, 'missing_field', 'schema'],
      [{ schema }, 'missing_field', 'name'],
      [{ name: 'x', schema: 'object' }, 'invalid_request', 'schema'],
      [{ name: 'x', schema: {} }, 'invalid_request', 'schema'],
      [{ name: 'x', schema: { type: 'thing' } }, 'invalid_request', 'schema.type'],
      [{ name: 'x', schema: { type: 'object', properties: [] } }, 'invalid_request', 'schema.properties'],
      [{ name: 'x', schema: { type: 'object', required: 'a' } }, 'invalid_request', 'schema.required'],
      [{ name: 'x', schema, messages: [{ role: 'robot', content: 'x' }] }, 'invalid_request', 'messages[0].role'],
      [{ name: 'x', schema, messages: [{ role: 'system' }] }, 'missing_field', 'messages[0].content'],
      [{ name: 'x', schema, min_messages_threshold: -1 }, 'invalid_request', 'min_messages_threshold'],
      [{ name: 'x', schema, min_messages_threshold: 1.5 }, 'invalid_request', 'min_messages_threshold'],
      [{ name: 'x', schema, system_prompt: 'x'.repeat(20_001) }, 'invalid_request', 'system_prompt'],
    ];
    for (const [payload, error, param] of cases) {
      const res = await call('POST', '/analysis-templates', payload);
      expect(res.status, JSON.stringify(payload).slice(0, 100)).toBe(400);
      expect(res.body, JSON.stringify(payload).slice(0, 100)).toMatchObject({ error, param });
    }
  });

  it('answers 401 without a key', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/analysis-templates', payload: { name: 'x', schema } })).statusCode).toBe(401);
  });
});

describe('GET, PATCH, DELETE /analysis-templates', () => {
  it('lists under both wrapper spellings and gets one', async () => {
    const c = await t.createOrg();
    const one = (await call('POST', '/analysis-templates', { name: 'one', schema }, c.apiKey)).body.analysis_template;
    const list = await call('GET', '/analysis-templates', undefined, c.apiKey);
    expect(list.body).toEqual({ analysisTemplates: [one], analysis_templates: [one] });
    expect((await call('GET', `/analysis-templates/${one.id}`, undefined, c.apiKey)).body).toEqual({ analysisTemplate: one, analysis_template: one });
  });

  it('PATCH changes only the supplied fields; null clears', async () => {
    const created = (await call('POST', '/analysis-templates', { name: 'p', description: 'd', schema, system_prompt: 'S' })).body.analysis_template;
    const res = await call('PATCH', `/analysis-templates/${created.id}`, { description: null, min_messages_threshold: 4 });
    expect(res.status).toBe(200);
    const { updated_at: _u, ...rest } = res.body.analysis_template;
    const { updated_at: _v, description: _d, ...before } = created;
    expect(rest).toEqual({ ...before, min_messages_threshold: 4 }); // a cleared description is absent (SDK: `description?: string`)
    const bad = await call('PATCH', `/analysis-templates/${created.id}`, { schema: { nope: true } });
    expect(bad.body).toMatchObject({ error: 'invalid_request', param: 'schema' });
    const newSchema = { type: 'object', properties: { score: { type: 'integer' } } };
    expect((await call('PATCH', `/analysis-templates/${created.id}`, { schema: newSchema })).body.analysis_template.schema).toEqual(newSchema);
  });

  it('DELETE answers {"success": true}; an agent keeps its copied plan', async () => {
    const created = (await call('POST', '/analysis-templates', { name: 'bye', schema })).body.analysis_template;
    const agent = (await call('POST', '/agents', { name: 'Keeps', analysis_template_id: created.id })).body.agent;
    expect(await call('DELETE', `/analysis-templates/${created.id}`)).toEqual({ status: 200, body: { success: true } });
    expect((await call('GET', `/analysis-templates/${created.id}`)).status).toBe(404);
    expect((await call('DELETE', `/analysis-templates/${created.id}`)).status).toBe(404);
    expect((await call('GET', `/agents/${agent.id}`)).body.agent.analysis_plan.structuredDataPlan.schema).toEqual(schema);
  });

  it('another organization gets 404 on every route', async () => {
    const created = (await call('POST', '/analysis-templates', { name: 'private', schema })).body.analysis_template;
    await expectOrgIsolation(t.app, {
      ownerKey: a.apiKey,
      otherKey: b.apiKey,
      id: created.id,
      routes: [
        { method: 'GET', url: (id) => `/api/v1/analysis-templates/${id}` },
        { method: 'PATCH', url: (id) => `/api/v1/analysis-templates/${id}`, body: { name: 'Hijacked' } },
        { method: 'DELETE', url: (id) => `/api/v1/analysis-templates/${id}` },
      ],
    });
    expect((await call('GET', `/analysis-templates/${created.id}`)).body.analysis_template.name).toBe('private');
    expect((await call('GET', '/analysis-templates', undefined, b.apiKey)).body.analysis_templates).toEqual([]);
  });
});
