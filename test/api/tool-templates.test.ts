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

const functionBody = {
  name: 'Lookup contact',
  description: 'Finds contacts in the CRM',
  tool_type: 'function',
  tool_config: {
    description: 'Look up a contact by name',
    url: 'https://crm.example/tools',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

describe('POST /tool-templates', () => {
  it('creates a function template under both wrapper spellings; the name defaults to the template name slugified', async () => {
    const res = await call('POST', '/tool-templates', functionBody);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['toolTemplate', 'tool_template']);
    expect(res.body.toolTemplate).toEqual(res.body.tool_template);
    expect(res.body.tool_template).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      org_id: a.org.id,
      name: 'Lookup contact',
      description: 'Finds contacts in the CRM',
      tool_type: 'function',
      tool_config: {
        name: 'lookup_contact',
        description: 'Look up a contact by name',
        url: 'https://crm.example/tools',
        async: false,
        parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
      },
      // the SDK's view of the same function template
      function_definition: {
        name: 'lookup_contact',
        description: 'Look up a contact by name',
        parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
      },
      server_url: 'https://crm.example/tools',
      async: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it('accepts the SDK shape: function_definition, server_url, async (and PATCH merges them)', async () => {
    const res = await call('POST', '/tool-templates', {
      name: 'Book',
      description: 'Books a table',
      function_definition: { name: 'book_table', parameters: { type: 'object', properties: { when: { type: 'string' } } } },
      server_url: 'https://crm.example/book',
      async: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.tool_template).toMatchObject({
      tool_type: 'function',
      tool_config: { name: 'book_table', description: 'Books a table', url: 'https://crm.example/book', async: true },
      function_definition: { name: 'book_table', description: 'Books a table', parameters: { type: 'object', properties: { when: { type: 'string' } } } },
      server_url: 'https://crm.example/book',
      async: true,
    });
    const id = res.body.tool_template.id;
    const moved = await call('PATCH', `/tool-templates/${id}`, { server_url: 'https://crm.example/v2/book' });
    expect(moved.body.tool_template).toMatchObject({ server_url: 'https://crm.example/v2/book', async: true, function_definition: { name: 'book_table' } });
    const redefined = await call('PATCH', `/tool-templates/${id}`, { function_definition: { name: 'reserve', description: 'Reserves' }, async: false });
    expect(redefined.body.tool_template).toMatchObject({
      tool_config: { name: 'reserve', description: 'Reserves', url: 'https://crm.example/v2/book', async: false, parameters: { type: 'object', properties: {} } },
    });
    const unhooked = await call('PATCH', `/tool-templates/${id}`, { server_url: null });
    expect(unhooked.body.tool_template).not.toHaveProperty('server_url');
  });

  it('refuses what it cannot honour or what would silently lose: server_secret, mixed shapes, keys of another type', async () => {
    const base = { name: 'x', function_definition: { name: 'x', description: 'd' } };
    const cases: [object, string][] = [
      [{ ...base, server_secret: 'whsec_1' }, 'server_secret'],
      [{ ...base, tool_type: 'function', tool_config: { description: 'd' } }, 'function_definition'],
      [{ ...base, tool_type: 'endCall' }, 'tool_type'],
      [{ name: 'x', function_definition: { name: 'x' } }, 'function_definition.description'],
      [{ name: 'x', tool_type: 'endCall', tool_config: { destinations: [] } }, 'tool_config.destinations'],
      [{ name: 'x', tool_type: 'function', tool_config: { description: 'd', destinations: [] } }, 'tool_config.destinations'],
      [{ name: 'x', tool_type: 'function', tool_config: { type: 'endCall', description: 'd' } }, 'tool_config.type'],
      [{ name: 'x', tool_type: 'function', tool_config: { description: 'd', server: { url: 'https://a.example', secret: 's' } } }, 'tool_config.server.secret'],
      [{ name: 'x', tool_type: 'function', tool_config: { description: 'd', asyncResponse: 'a', message: 'b' } }, 'tool_config.message'],
      [{ name: 'x', tool_type: 'function', tool_config: { description: 'd', colour: 'red' } }, 'tool_config.colour'],
      [{ name: 'x' }, 'tool_type'],
    ];
    for (const [payload, param] of cases) {
      const res = await call('POST', '/tool-templates', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(res.body.param, JSON.stringify(payload)).toBe(param);
    }
  });

  it('normalises the snake tool types and validates transfer destinations', async () => {
    const end = await call('POST', '/tool-templates', { name: 'Hang up', tool_type: 'end_call' });
    expect(end.status).toBe(201);
    expect(end.body.tool_template).toMatchObject({ tool_type: 'endCall', tool_config: {} });
    const transfer = await call('POST', '/tool-templates', {
      name: 'Sales',
      tool_type: 'transfer_call',
      tool_config: { destinations: [{ number: '+31 85 083 5037', message: 'Een moment.' }, { type: 'sip', sipUri: 'sip:sales@pbx.example.com' }] },
    });
    expect(transfer.body.tool_template).toMatchObject({
      tool_type: 'transferCall',
      tool_config: {
        destinations: [
          { type: 'number', number: '+31850835037', message: 'Een moment.' },
          { type: 'sip', sipUri: 'sip:sales@pbx.example.com' },
        ],
      },
    });
  });

  it('accepts the G3 nested function shape and an explicit name', async () => {
    const res = await call('POST', '/tool-templates', {
      name: 'Nested',
      tool_type: 'function',
      tool_config: { function: { name: 'check_stock', description: 'Stock', parameters: { type: 'object', properties: {} } }, server: { url: 'https://s.example' }, async: true, async_response: 'Checking' },
    });
    expect(res.status).toBe(201);
    expect(res.body.tool_template.tool_config).toEqual({
      name: 'check_stock',
      description: 'Stock',
      url: 'https://s.example',
      async: true,
      asyncResponse: 'Checking',
      parameters: { type: 'object', properties: {} },
    });
  });

  it('refuses bad templates with the field named', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ tool_type: 'endCall' }, 'missing_field', 'name'],
      [{ name: 'x' }, 'missing_field', 'tool_type'],
      [{ name: 'x', tool_type: 'webhook' }, 'invalid_request', 'tool_type'],
      [{ name: 'x', tool_type: 'function' }, 'missing_field', 'tool_config'],
      [{ name: 'x', tool_type: 'function', tool_config: { description: 'd' } }, 'missing_field', 'tool_config.parameters'],
      [{ name: 'x', tool_type: 'function', tool_config: { parameters: { type: 'object' } } }, 'missing_field', 'tool_config.description'],
      [{ name: '!!!', tool_type: 'function', tool_config: { description: 'd', parameters: { type: 'object' } } }, 'missing_field', 'tool_config.name'],
      [{ name: 'x', tool_type: 'function', tool_config: { name: 'bad name', description: 'd', parameters: {} } }, 'invalid_request', 'tool_config.name'],
      [{ name: 'x', tool_type: 'function', tool_config: { description: 'd', parameters: {}, url: 'file:///etc/passwd' } }, 'invalid_request', 'tool_config.url'],
      [{ name: 'x', tool_type: 'transferCall', tool_config: { destinations: [{ number: 'call me' }] } }, 'invalid_phone_number', 'tool_config.destinations[0].number'],
      [{ name: 'x', tool_type: 'transferCall', tool_config: {} }, 'missing_field', 'tool_config.destinations'],
      [{ name: 'x', tool_type: 'endCall', tool_config: 'none' }, 'invalid_request', 'tool_config'],
      [{ name: 'x'.repeat(201), tool_type: 'endCall' }, 'invalid_request', 'name'],
    ];
    for (const [payload, error, param] of cases) {
      const res = await call('POST', '/tool-templates', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(res.body, JSON.stringify(payload)).toMatchObject({ error, param });
    }
  });

  it('answers 401 without a key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tool-templates' });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET, PATCH, DELETE /tool-templates', () => {
  it('lists the organization’s templates under both wrapper spellings', async () => {
    const c = await t.createOrg();
    const one = await call('POST', '/tool-templates', { name: 'one', tool_type: 'endCall' }, c.apiKey);
    const two = await call('POST', '/tool-templates', functionBody, c.apiKey);
    const list = await call('GET', '/tool-templates', undefined, c.apiKey);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ toolTemplates: [one.body.tool_template, two.body.tool_template], tool_templates: [one.body.tool_template, two.body.tool_template] });
    const got = await call('GET', `/tool-templates/${one.body.tool_template.id}`, undefined, c.apiKey);
    expect(got.body).toEqual({ toolTemplate: one.body.tool_template, tool_template: one.body.tool_template });
  });

  it('PATCH changes only supplied fields and re-validates a changed type', async () => {
    const created = (await call('POST', '/tool-templates', functionBody)).body.tool_template;
    const renamed = await call('PATCH', `/tool-templates/${created.id}`, { name: 'Renamed', description: null });
    expect(renamed.status).toBe(200);
    expect(renamed.body.tool_template).toMatchObject({ name: 'Renamed', tool_type: 'function', tool_config: created.tool_config });
    expect(renamed.body.tool_template).not.toHaveProperty('description'); // the SDK types it `description?: string`
    const wrongType = await call('PATCH', `/tool-templates/${created.id}`, { tool_type: 'transferCall' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.param).toBe('tool_config.destinations');
    const retyped = await call('PATCH', `/tool-templates/${created.id}`, { tool_type: 'endCall' });
    expect(retyped.body.toolTemplate).toMatchObject({ tool_type: 'endCall', tool_config: {} });
    const badConfig = await call('PATCH', `/tool-templates/${created.id}`, { tool_type: 'function', tool_config: { description: 'x', parameters: { type: 'string' } } });
    expect(badConfig.body).toMatchObject({ error: 'invalid_request', param: 'tool_config.parameters.type' });
  });

  it('DELETE answers {"success": true}, then 404', async () => {
    const created = (await call('POST', '/tool-templates', { name: 'bye', tool_type: 'endCall' })).body.tool_template;
    expect(await call('DELETE', `/tool-templates/${created.id}`)).toEqual({ status: 200, body: { success: true } });
    expect((await call('GET', `/tool-templates/${created.id}`)).status).toBe(404);
    expect((await call('PATCH', `/tool-templates/${created.id}`, { name: 'x' })).status).toBe(404);
    expect((await call('DELETE', `/tool-templates/${created.id}`)).status).toBe(404);
    expect((await call('GET', '/tool-templates/not-a-uuid')).status).toBe(404);
  });

  it('another organization gets 404 on every route and cannot use the template', async () => {
    const created = (await call('POST', '/tool-templates', functionBody)).body.tool_template;
    await expectOrgIsolation(t.app, {
      ownerKey: a.apiKey,
      otherKey: b.apiKey,
      id: created.id,
      routes: [
        { method: 'GET', url: (id) => `/api/v1/tool-templates/${id}` },
        { method: 'PATCH', url: (id) => `/api/v1/tool-templates/${id}`, body: { name: 'Hijacked' } },
        { method: 'DELETE', url: (id) => `/api/v1/tool-templates/${id}` },
      ],
    });
    expect((await call('GET', `/tool-templates/${created.id}`)).body.tool_template.name).toBe('Lookup contact');
    const list = await call('GET', '/tool-templates', undefined, b.apiKey);
    expect(list.body.tool_templates.map((x: { id: string }) => x.id)).not.toContain(created.id);
    const agent = await call('POST', '/agents', { name: 'Thief', tool_template_ids: [created.id] }, b.apiKey);
    expect(agent.status).toBe(400);
    expect(agent.body.param).toBe('tool_template_ids[0]');
  });
});
