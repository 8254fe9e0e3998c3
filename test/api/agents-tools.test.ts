import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

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
const tools = (list: unknown[]) => ({ name: 'Tools', llm_config: { tools: list } });
async function createTools(list: unknown[]) {
  const res = await call('POST', '/agents', tools(list));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.agent.llm_config.tools;
}
async function template(body: Record<string, unknown>, key = a.apiKey): Promise<string> {
  const res = await call('POST', '/tool-templates', body, key);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.tool_template.id;
}

const lookup = {
  type: 'function',
  name: 'lookup_contact',
  description: 'Look up a contact by name',
  url: 'https://crm.example/tools',
  async: false,
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

/** A function tool as responses show it: flat (G2) and nested as the SDK's ToolDefinition. */
function shown(tool: Record<string, unknown>): Record<string, unknown> {
  return {
    ...tool,
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    ...(typeof tool.url === 'string' && { server: { url: tool.url } }),
  };
}

describe('llm_config.tools', () => {
  it('stores the G2 flat custom tool with defaults filled in', async () => {
    const [tool] = await createTools([{ name: 'get_time', description: 'Current time' }]);
    expect(tool).toEqual(shown({ type: 'function', name: 'get_time', description: 'Current time', async: false, parameters: { type: 'object', properties: {} } }));
  });

  it('keeps a full flat tool as sent', async () => {
    const [tool] = await createTools([{ ...lookup, type: undefined }]);
    expect(tool).toEqual(shown(lookup));
    // What a GET shows can be sent back as it is (both spellings agree).
    const again = await createTools([tool]);
    expect(again).toEqual([shown(lookup)]);
  });

  it('normalises the async response spellings to asyncResponse', async () => {
    const list = await createTools([
      { name: 'a', description: 'd', async: true, asyncResponse: 'One moment' },
      { name: 'b', description: 'd', async: true, async_response: 'Even geduld' },
      { name: 'c', description: 'd', async: true, message: 'Working on it' },
    ]);
    expect(list.map((x: { asyncResponse: string }) => x.asyncResponse)).toEqual(['One moment', 'Even geduld', 'Working on it']);
    expect(list.every((x: Record<string, unknown>) => !('async_response' in x) && !('message' in x))).toBe(true);
  });

  it('accepts the SDK / G3 nested OpenAI shape; url and server.url must agree', async () => {
    const list = await createTools([
      {
        type: 'function',
        function: { name: 'book', description: 'Book a slot', parameters: { type: 'object', properties: { day: { type: 'string' } } } },
        server: { url: 'https://server.example/book' },
        async: true,
      },
      { type: 'function', function: { name: 'cancel', description: 'Cancel' }, server: { url: 'https://same.example/cancel' }, url: 'https://same.example/cancel' },
    ]);
    expect(list).toEqual([
      shown({
        type: 'function',
        name: 'book',
        description: 'Book a slot',
        url: 'https://server.example/book',
        async: true,
        parameters: { type: 'object', properties: { day: { type: 'string' } } },
      }),
      shown({ type: 'function', name: 'cancel', description: 'Cancel', url: 'https://same.example/cancel', async: false, parameters: { type: 'object', properties: {} } }),
    ]);
    const cases: [unknown, string][] = [
      [{ type: 'function', function: { name: 'x', description: 'd' }, server: { url: 'https://a.example' }, url: 'https://b.example' }, 'llm_config.tools[0].server.url'],
      [{ type: 'function', function: { name: 'x', description: 'd' }, name: 'y' }, 'llm_config.tools[0].name'],
      [{ type: 'function', function: { name: 'x', description: 'd' }, server: { url: 'https://a.example', secret: 'whsec' } }, 'llm_config.tools[0].server.secret'],
      [{ name: 'x', description: 'd', destinations: [{ number: '+31850835037' }] }, 'llm_config.tools[0].destinations'],
      [{ type: 'endCall', description: 'Hang up' }, 'llm_config.tools[0].description'],
      [{ type: 'transferCall', destinations: [{ number: '+31850835037', phone_number: '+31850835038' }] }, 'llm_config.tools[0].destinations[0].phone_number'],
      [{ name: 'x', description: 'd', asyncResponse: 'a', async_response: 'b' }, 'llm_config.tools[0].async_response'],
      [{ name: 'x', description: 'd', strict: true }, 'llm_config.tools[0].strict'],
    ];
    for (const [tool, param] of cases) {
      const res = await call('POST', '/agents', tools([tool]));
      expect(res.status, JSON.stringify(tool)).toBe(400);
      expect(res.body.param, JSON.stringify(tool)).toBe(param);
    }
  });

  it('normalises the built-ins and their snake spellings; destinations to E.164 or SIP URIs', async () => {
    const list = await createTools([
      { type: 'end_call' },
      {
        type: 'transfer_call',
        destinations: [
          { type: 'number', number: '+31 (0)85 083 5037', description: 'Sales', message: 'Ik verbind u door.' },
          { number: '0031850835038' },
          { type: 'sip', sipUri: 'sip:desk@pbx.example.com;transport=tcp' },
          { sip_uri: 'sips:queue@10.0.0.5:5061' },
        ],
      },
    ]);
    expect(list).toEqual([
      { type: 'endCall' },
      {
        type: 'transferCall',
        destinations: [
          { type: 'number', number: '+31850835037', description: 'Sales', message: 'Ik verbind u door.' },
          { type: 'number', number: '+31850835038' },
          { type: 'sip', sipUri: 'sip:desk@pbx.example.com;transport=tcp' },
          { type: 'sip', sipUri: 'sips:queue@10.0.0.5:5061' },
        ],
      },
    ]);
  });

  it('refuses invalid tools with the exact param', async () => {
    const cases: [unknown[], string, string][] = [
      [[{ description: 'no name' }], 'missing_field', 'llm_config.tools[0].name'],
      [[{ name: 'no_description' }], 'missing_field', 'llm_config.tools[0].description'],
      [[{ name: 'has space', description: 'd' }], 'invalid_request', 'llm_config.tools[0].name'],
      [[{ name: 'x'.repeat(65), description: 'd' }], 'invalid_request', 'llm_config.tools[0].name'],
      [[{ name: 'endCall', description: 'reserved' }], 'invalid_request', 'llm_config.tools[0].name'],
      [[{ name: 'a', description: 'd' }, { name: 'a', description: 'again' }], 'invalid_request', 'llm_config.tools[1].name'],
      [[{ type: 'endCall' }, { type: 'end_call' }], 'invalid_request', 'llm_config.tools[1].type'],
      [[{ name: 'a', description: 'd', url: 'javascript:alert(1)' }], 'invalid_request', 'llm_config.tools[0].url'],
      [[{ name: 'a', description: 'd', async: 'yes' }], 'invalid_request', 'llm_config.tools[0].async'],
      [[{ name: 'a', description: 'd', parameters: 'string' }], 'invalid_request', 'llm_config.tools[0].parameters'],
      [[{ name: 'a', description: 'd', parameters: { type: 'array' } }], 'invalid_request', 'llm_config.tools[0].parameters.type'],
      [[{ name: 'a', description: 'd', parameters: { type: 'object', properties: { q: 5 } } }], 'invalid_request', 'llm_config.tools[0].parameters.properties.q'],
      [[{ type: 'webSearch' }], 'invalid_request', 'llm_config.tools[0].type'],
      [['lookup'], 'invalid_request', 'llm_config.tools[0]'],
      [[{ type: 'transferCall' }], 'missing_field', 'llm_config.tools[0].destinations'],
      [[{ type: 'transferCall', destinations: [] }], 'invalid_request', 'llm_config.tools[0].destinations'],
      [[{ type: 'transferCall', destinations: [{ type: 'number', number: '085 083 5037' }] }], 'invalid_phone_number', 'llm_config.tools[0].destinations[0].number'],
      [[{ type: 'transferCall', destinations: [{ type: 'number', number: '+12' }] }], 'invalid_phone_number', 'llm_config.tools[0].destinations[0].number'],
      [[{ type: 'transferCall', destinations: [{ type: 'number' }] }], 'missing_field', 'llm_config.tools[0].destinations[0].number'],
      [[{ type: 'transferCall', destinations: [{ type: 'sip', sipUri: 'http://pbx.example' }] }], 'invalid_request', 'llm_config.tools[0].destinations[0].sipUri'],
      [[{ type: 'transferCall', destinations: [{ type: 'fax', number: '+31850835037' }] }], 'invalid_request', 'llm_config.tools[0].destinations[0].type'],
    ];
    for (const [list, error, param] of cases) {
      const res = await call('POST', '/agents', tools(list));
      expect(res.status, JSON.stringify(list)).toBe(400);
      expect(res.body, JSON.stringify(list)).toMatchObject({ error, param });
    }
  });

  it('autonomous_silence_handling adds the endCall tool once', async () => {
    const res = await call('POST', '/agents', { name: 'Silence', autonomous_silence_handling: true, llm_config: { tools: [{ name: 'a', description: 'd' }] } });
    expect(res.body.agent.llm_config.tools.map((x: { type: string }) => x.type)).toEqual(['function', 'endCall']);
    const has = await call('POST', '/agents', { name: 'Has', autonomous_silence_handling: true, llm_config: { tools: [{ type: 'endCall' }] } });
    expect(has.body.agent.llm_config.tools).toEqual([{ type: 'endCall' }]);
    const plain = await call('POST', '/agents', { name: 'Plain' });
    const patched = await call('PATCH', `/agents/${plain.body.agent.id}`, { autonomous_silence_handling: true });
    expect(patched.body.agent.llm_config.tools).toEqual([{ type: 'endCall' }]);
    const replaced = await call('PATCH', `/agents/${plain.body.agent.id}`, { llm_config: { provider: 'xai_realtime' } });
    expect(replaced.body.agent.llm_config.tools).toEqual([{ type: 'endCall' }]);
  });
});

describe('tool_template_ids', () => {
  it('copies the templates’ tools after the agent’s own, in order', async () => {
    const fn = await template({ name: 'Lookup contact', description: 'CRM', tool_type: 'function', tool_config: { description: 'Find a contact', parameters: { type: 'object', properties: {} } } });
    const transfer = await template({ name: 'To sales', tool_type: 'transfer_call', tool_config: { destinations: [{ type: 'number', number: '+31850835037' }] } });
    const res = await call('POST', '/agents', { name: 'Templated', llm_config: { tools: [{ name: 'own', description: 'mine' }] }, tool_template_ids: [fn, transfer] });
    expect(res.status).toBe(201);
    expect(res.body.agent.llm_config.tools).toEqual([
      shown({ type: 'function', name: 'own', description: 'mine', async: false, parameters: { type: 'object', properties: {} } }),
      shown({ type: 'function', name: 'lookup_contact', description: 'Find a contact', async: false, parameters: { type: 'object', properties: {} } }),
      { type: 'transferCall', destinations: [{ type: 'number', number: '+31850835037' }] },
    ]);
    expect(res.body.agent).not.toHaveProperty('tool_template_ids');
  });

  it('copies, not references: later template changes and deletes leave the agent alone', async () => {
    const id = await template({ name: 'greet', tool_type: 'function', tool_config: { description: 'Old', parameters: { type: 'object' } } });
    const agent = (await call('POST', '/agents', { name: 'Copy', tool_template_ids: [id] })).body.agent;
    await call('PATCH', `/tool-templates/${id}`, { tool_config: { description: 'New', parameters: { type: 'object' } } });
    expect((await call('GET', `/agents/${agent.id}`)).body.agent.llm_config.tools[0].description).toBe('Old');
    await call('DELETE', `/tool-templates/${id}`);
    expect((await call('GET', `/agents/${agent.id}`)).body.agent.llm_config.tools).toEqual(agent.llm_config.tools);
  });

  it('appends on PATCH to the stored tools', async () => {
    const id = await template({ name: 'hang up', tool_type: 'endCall', tool_config: {} });
    const agent = (await call('POST', '/agents', tools([{ name: 'x', description: 'd' }]))).body.agent;
    const res = await call('PATCH', `/agents/${agent.id}`, { tool_template_ids: [id] });
    expect(res.body.agent.llm_config.tools.map((x: { type: string }) => x.type)).toEqual(['function', 'endCall']);
  });

  it('a tool name the agent already has is a 409 conflict naming the template', async () => {
    const id = await template({ name: 'own', tool_type: 'function', tool_config: { description: 'dup', parameters: { type: 'object' } } });
    const res = await call('POST', '/agents', { name: 'Clash', llm_config: { tools: [{ name: 'own', description: 'mine' }] }, tool_template_ids: [id] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'conflict', param: 'tool_template_ids[0]' });
    const twice = await call('POST', '/agents', { name: 'Twice', tool_template_ids: [id, id] });
    expect(twice.status).toBe(409);
    expect(twice.body.param).toBe('tool_template_ids[1]');
  });

  it('refuses unknown, malformed and foreign template ids with 400 naming the index', async () => {
    const mine = await template({ name: 'mine', tool_type: 'endCall' });
    const foreign = await template({ name: 'theirs', tool_type: 'endCall' }, b.apiKey);
    for (const [ids, param] of [
      [[mine, foreign], 'tool_template_ids[1]'],
      [['00000000-0000-4000-8000-000000000000'], 'tool_template_ids[0]'],
      [['nope'], 'tool_template_ids[0]'],
    ] as const) {
      const res = await call('POST', '/agents', { name: 'Foreign', tool_template_ids: ids });
      expect(res.status, JSON.stringify(ids)).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', param });
    }
    const agent = (await call('POST', '/agents', { name: 'Target' })).body.agent;
    const patch = await call('PATCH', `/agents/${agent.id}`, { tool_template_ids: [foreign] });
    expect(patch.status).toBe(400);
    expect((await call('GET', `/agents/${agent.id}`)).body.agent.llm_config.tools).toBeUndefined();
  });
});

describe('analysis_template_id', () => {
  it('copies an analysis template into analysis_plan (both variants)', async () => {
    const schema = { type: 'object', properties: { outcome: { type: 'string' } } };
    const api = await call('POST', '/analysis-templates', { name: 'API', schema, system_prompt: 'Extract.', user_prompt: 'Transcript: {{transcript}}' });
    const agent = await call('POST', '/agents', { name: 'Analysed', analysis_template_id: api.body.analysis_template.id });
    expect(agent.body.agent.analysis_plan).toMatchObject({
      structuredDataPlan: {
        enabled: true,
        schema,
        messages: [
          { role: 'system', content: 'Extract.' },
          { role: 'user', content: 'Transcript: {{transcript}}' },
        ],
      },
      minMessagesThreshold: 2,
    });
    const guide = await call('POST', '/analysis-templates', { name: 'Guide', schema, messages: [{ role: 'system', content: 'S {{schema}}' }], min_messages_threshold: 5 });
    const patched = await call('PATCH', `/agents/${agent.body.agent.id}`, { analysis_template_id: guide.body.analysis_template.id });
    expect(patched.body.agent.analysis_plan).toEqual({
      structuredDataPlan: { enabled: true, schema, messages: [{ role: 'system', content: 'S {{schema}}' }] },
      minMessagesThreshold: 5,
      structured_data_plan: { enabled: true, schema, messages: [{ role: 'system', content: 'S {{schema}}' }] },
      min_messages_threshold: 5,
    });
  });

  it('refuses a foreign template, and analysis_plan together with analysis_template_id', async () => {
    const foreign = await call('POST', '/analysis-templates', { name: 'B', schema: { type: 'object' } }, b.apiKey);
    const res = await call('POST', '/agents', { name: 'x', analysis_template_id: foreign.body.analysis_template.id });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', param: 'analysis_template_id' });
    const both = await call('POST', '/agents', { name: 'x', analysis_template_id: foreign.body.analysis_template.id, analysis_plan: null });
    expect(both.body.param).toBe('analysis_template_id');
  });
});
