/**
 * Issue #8, item 3: bad input is a 400 with the error body, never a 500. Every route of the
 * OpenAPI document gets NUL bytes, integers past 2^31 and 2^63, Infinity, lone surrogates, JSON
 * nested 10,000 deep, in every body field (one level down too), query parameter and path
 * parameter. New routes are swept automatically; a new route with a body needs a valid base body
 * in BASE_BODIES below (the test says so).
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/api/errors.js';
import type { CallService } from '../../src/api/resources/calls/live.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

type Json = Record<string, unknown>;
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  maxItems?: number;
  maxLength?: number;
  maximum?: number;
}
interface Operation {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content: { 'application/json'?: { schema: Schema } } };
}
interface Route {
  method: string;
  path: string;
  query: { name: string; schema?: Schema }[];
  pathParams: { name: string; schema?: Schema }[];
  body?: Schema;
}

interface Ids {
  agent: string;
  toolTemplate: string;
  analysisTemplate: string;
  number: string;
  trunk: string;
  campaign: string;
  lead: string;
  call: string;
  adminOrg: string;
  adminKey: string;
}

/** A valid body per route, so that one bad field at a time reaches the service and the database. */
const BASE_BODIES: Record<string, (ids: Ids) => Json> = {
  'POST /api/v1/admin/organizations': () => ({ name: 'Sweep', minutes_balance: 10 }),
  'POST /api/v1/admin/organizations/{id}/api-keys': () => ({ name: 'sweep' }),
  'POST /api/v1/admin/organizations/{id}/credits': () => ({ minutes: 5 }),
  'POST /api/v1/organization': () => ({ name: 'Child', email: 'ops@child.example' }),
  'POST /api/v1/organizations': () => ({ name: 'Child' }),
  'PATCH /api/v1/organization': () => ({ content_retention_days: 30, metadata_retention_days: 90, webhook_format: 'snake' }),
  'PATCH /api/v1/organizations': () => ({ name: 'Renamed', email: null }),
  'POST /api/v1/agents': () => ({ name: 'Sweep', llm_config: { provider: 'openai', messages: [{ role: 'system', content: 'Hi' }] } }),
  'PATCH /api/v1/agents/{id}': () => ({ name: 'Sweep 2', llm_config: { provider: 'openai', temperature: 0.5 } }),
  'POST /api/v1/assistants': () => ({ name: 'Sweep' }),
  'PATCH /api/v1/assistants/{id}': () => ({ first_message: 'Hello' }),
  'POST /api/v1/tool-templates': () => ({ name: 'Hang up', tool_type: 'endCall', tool_config: {} }),
  'PATCH /api/v1/tool-templates/{id}': () => ({ description: 'Ends the call' }),
  'POST /api/v1/analysis-templates': () => ({ name: 'Lead', schema: { type: 'object' }, messages: [{ role: 'system', content: 'x' }] }),
  'PATCH /api/v1/analysis-templates/{id}': () => ({ min_messages_threshold: 3 }),
  'POST /api/v1/byok': () => ({ provider: 'openai', api_key: 'sk-sweep' }),
  'DELETE /api/v1/byok': () => ({ provider: 'openai' }),
  'POST /api/v1/numbers': (ids) => ({ phone_number: '+31850007001', agent_id: ids.agent, name: 'Sweep' }),
  'PATCH /api/v1/numbers/{id}': (ids) => ({ name: 'Front desk', transfer_trunk_id: ids.trunk }),
  'POST /api/v1/sip-trunks': () => ({ name: 'Carrier', host: 'sip.example.com', port: 5060, username: 'u', password: 'p', provider: 'x', inbound_addresses: ['192.0.2.1'] }),
  'PATCH /api/v1/sip-trunks/{id}': () => ({ port: 5070 }),
  'POST /api/v1/domains': () => ({ domain_name: 'mail.example.com' }),
  'POST /api/v1/domains/sync': () => ({ domain_id: 'resend-domain-1' }),
  'POST /api/v1/campaigns': (ids) => ({ name: 'Sweep', agent_id: ids.agent, leads: [{ phone_number: '+31850007002', variables: { name: 'Ann' } }] }),
  'PATCH /api/v1/campaigns/{id}': () => ({ max_attempts: 2, schedule_days: ['mon'] }),
  'POST /api/v1/campaigns/{id}/leads': () => ({ phone_number: '+31850007003', variables: { name: 'Bob', age: 40 } }),
  'POST /api/v1/dnc': () => ({ phone_number: '+31850007005', reason: 'asked not to be called' }),
  'POST /api/v1/calls/outbound': (ids) => ({ destination: '+31850007004', agent_id: ids.agent, metadata: { crm: 'x' }, ring_timeout_seconds: 30 }),
  'POST /api/v1/calls/{id}/control': () => ({ type: 'say', content: 'One moment please' }),
  'POST /api/v1/calls/{id}/analyze': () => ({ analysis_plan: { summaryPlan: { enabled: true } } }),
};

/** Takes every call it is given, so that valid requests get past the call routes' own checks. */
const acceptingCalls: CallService = {
  placeOutbound: async () => ({ ok: true, callId: randomUUID(), roomName: 'sweep', status: 'dialing' }),
  control: async () => ({ ok: true }),
};

const NUL = 'a\u0000b';
/** Values for one field at a time; `nul` ones must answer exactly 400. */
const BAD_VALUES: { name: string; value: unknown; nul?: boolean }[] = [
  { name: 'NUL string', value: NUL, nul: true },
  { name: 'NUL in an object', value: { key: NUL }, nul: true },
  { name: 'NUL in an array', value: [NUL], nul: true },
  { name: 'NUL in a key', value: { ['k\u0000']: 1 }, nul: true },
  { name: '2^31', value: 2 ** 31 },
  { name: '2^63', value: 2 ** 63 },
  { name: '-2^63', value: -(2 ** 63) },
  { name: '1e308', value: 1e308 },
  { name: 'lone surrogate', value: '\ud800' },
  { name: '100k characters', value: 'x'.repeat(100_000) },
];
const BAD_QUERY = ['%00', 'a%00b', 'Infinity', '-Infinity', 'NaN', '1e300', '9223372036854775808', '-1', '1.5', '%ZZ', 'x'.repeat(2000)];
const BAD_PATH = ['%00', 'Infinity', '9223372036854775808', '-1', '%ZZ', 'a'.repeat(150)];
const DEEP = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;

function routesOf(doc: { paths: Record<string, Record<string, Operation>> }): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const params = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        path,
        query: params.filter((p) => p.in === 'query'),
        pathParams: params.filter((p) => p.in === 'path'),
        body: op.requestBody?.content['application/json']?.schema,
      });
    }
  }
  // Deletes last, so that the other routes still find the resources.
  return routes.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

/** Problems of one request schema node: what a request can send without an upper bound. */
function unbounded(schema: Schema, at: string): string[] {
  const types = [schema.type ?? []].flat();
  const problems: string[] = [];
  const bounded = schema.enum !== undefined || schema.const !== undefined;
  if (types.includes('array') && schema.maxItems === undefined) problems.push(`${at}: array without maxItems`);
  if (types.includes('string') && !bounded && schema.maxLength === undefined && !['uuid', 'date-time'].includes(schema.format ?? '')) {
    problems.push(`${at}: string without maxLength`);
  }
  if ((types.includes('integer') || types.includes('number')) && !bounded && schema.maximum === undefined) problems.push(`${at}: number without maximum`);
  for (const [key, child] of Object.entries(schema.properties ?? {})) problems.push(...unbounded(child, `${at}.${key}`));
  if (typeof schema.additionalProperties === 'object') problems.push(...unbounded(schema.additionalProperties, `${at}.*`));
  if (schema.items) problems.push(...unbounded(schema.items, `${at}[]`));
  for (const sub of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) problems.push(...unbounded(sub, at));
  return problems;
}

describe('no input makes a route answer 500', () => {
  let t: TestApp;
  let a: TestOrg;
  let ids: Ids;
  let routes: Route[];

  beforeAll(async () => {
    // Domains talk to Resend: point it at a closed port so nothing leaves the machine.
    t = await buildTestApp({
      env: { RATE_LIMIT_PER_MINUTE: '1000000', CALL_CONTROL_LIMIT_PER_MINUTE: '1000000', RESEND_BASE_URL: 'http://127.0.0.1:9' },
      services: { calls: acceptingCalls },
    });
    a = await t.createOrg();
    const admin = await t.createOrg({ name: 'Admin target' });
    const one = async (sql: string, values: unknown[]) => (await t.db.query<{ id: string }>(sql, values)).rows[0].id;
    const agent = await one("INSERT INTO agents (org_id, name) VALUES ($1, 'Sweep') RETURNING id", [a.org.id]);
    const campaign = await one("INSERT INTO campaigns (org_id, name, agent_id) VALUES ($1, 'Sweep', $2) RETURNING id", [a.org.id, agent]);
    ids = {
      agent,
      toolTemplate: await one("INSERT INTO tool_templates (org_id, name, tool_type) VALUES ($1, 'T', 'endCall') RETURNING id", [a.org.id]),
      analysisTemplate: await one("INSERT INTO analysis_templates (org_id, name, schema) VALUES ($1, 'A', '{}') RETURNING id", [a.org.id]),
      number: await one("INSERT INTO numbers (org_id, phone_number) VALUES ($1, '+31850007000') RETURNING id", [a.org.id]),
      trunk: await one("INSERT INTO sip_trunks (org_id, name, host) VALUES ($1, 'T', 'sip.example.com') RETURNING id", [a.org.id]),
      campaign,
      lead: await one("INSERT INTO leads (org_id, campaign_id, phone_number) VALUES ($1, $2, '+31850007009') RETURNING id", [a.org.id, campaign]),
      call: await one("INSERT INTO calls (org_id, direction, status) VALUES ($1, 'inbound', 'in-progress') RETURNING id", [a.org.id]),
      adminOrg: admin.org.id,
      adminKey: admin.apiKeyId,
    };
    routes = routesOf(t.app.swagger() as never);
  });
  afterAll(() => t?.close());

  const RESOURCE_IDS: Record<string, keyof Ids> = {
    agents: 'agent',
    assistants: 'agent',
    'tool-templates': 'toolTemplate',
    'analysis-templates': 'analysisTemplate',
    numbers: 'number',
    'sip-trunks': 'trunk',
    campaigns: 'campaign',
    calls: 'call',
    admin: 'adminOrg',
  };
  const idFor = (route: Route, param: string): string => {
    if (param === 'leadId') return ids.lead;
    if (param === 'key_id') return ids.adminKey;
    const resource = RESOURCE_IDS[route.path.split('/')[3] ?? ''];
    return resource ? ids[resource] : randomUUID();
  };
  const urlOf = (route: Route, override: Record<string, string> = {}, query = '') =>
    route.path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? idFor(route, name)) + query;
  const headersOf = (route: Route) => (route.path.startsWith('/api/v1/admin') ? t.adminAuth() : t.auth(a.apiKey));

  const problems: string[] = [];
  let sent = 0;
  beforeEach(() => {
    problems.length = 0;
  });
  async function send(route: Route, label: string, url: string, payload?: string, expected?: number): Promise<LightMyRequestResponse> {
    sent += 1;
    const res = await t.app.inject({
      method: route.method as 'GET',
      url,
      headers: { ...headersOf(route), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      payload,
    });
    const where = `${route.method} ${route.path} ${label}`;
    if (res.statusCode >= 500) problems.push(`${where} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    else if (expected !== undefined && res.statusCode !== expected) problems.push(`${where} → ${res.statusCode}, expected ${expected}`);
    if (res.statusCode >= 400) {
      const body = res.json() as { error?: unknown; message?: unknown };
      if (!ERROR_CODES.includes(body.error as never) || typeof body.message !== 'string') problems.push(`${where} → not the error body: ${res.body.slice(0, 200)}`);
    }
    return res;
  }

  it('every array, string and number a request accepts has an upper bound', () => {
    const found = routes.flatMap((r) => [
      ...(r.body ? unbounded(r.body, `${r.method} ${r.path} body`) : []),
      ...[...r.query, ...r.pathParams].flatMap((p) => (p.schema ? unbounded(p.schema, `${r.method} ${r.path} ?${p.name}`) : [])),
    ]);
    expect(found).toEqual([]);
  });

  it('every route with a body has a valid base body here', () => {
    const missing = routes.filter((r) => r.body && !BASE_BODIES[`${r.method} ${r.path}`]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    expect(routes.length).toBeGreaterThan(50);
  });

  it('bodies: a bad value in any field (and one level down), a NUL key, JSON nested 10,000 deep', async () => {
    for (const route of routes.filter((r) => ['POST', 'PATCH', 'DELETE'].includes(r.method))) {
      const base = BASE_BODIES[`${route.method} ${route.path}`]?.(ids) ?? {};
      const url = urlOf(route);
      await send(route, 'deep nesting', url, DEEP, 400);
      await send(route, 'NUL in a top-level key', url, JSON.stringify({ ...base, ['x\u0000']: 1 }), 400);
      await send(route, '1e400', url, JSON.stringify(base).replace(/^\{/, '{"n":1e400,'));
      const fields: [string, (bad: unknown) => Json][] = [];
      for (const [key, schema] of Object.entries(route.body?.properties ?? {})) {
        fields.push([key, (bad) => ({ ...base, [key]: bad })]);
        const objectSchema = schema.type === 'array' ? schema.items : schema;
        for (const sub of Object.keys(objectSchema?.properties ?? {})) {
          const inner = (bad: unknown) => ({ ...((base[key] as Json) ?? {}), [sub]: bad });
          fields.push([`${key}.${sub}`, (bad) => ({ ...base, [key]: schema.type === 'array' ? [inner(bad)] : inner(bad) })]);
        }
      }
      for (const [field, withValue] of fields) {
        for (const bad of BAD_VALUES) await send(route, `${field} = ${bad.name}`, url, JSON.stringify(withValue(bad.value)), bad.nul ? 400 : undefined);
      }
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
  }, 120_000);

  it('query parameters: NUL, Infinity, NaN, past 2^63, negative, fractional, bad escapes, long', async () => {
    for (const route of routes.filter((r) => r.query.length > 0)) {
      for (const { name } of route.query) {
        for (const bad of BAD_QUERY) await send(route, `?${name}=${bad.slice(0, 20)}`, urlOf(route, {}, `?${name}=${bad}`));
      }
      await send(route, '?unknown=%00', urlOf(route, {}, '?unknown=%00'), undefined, 400);
    }
    expect(problems).toEqual([]);
  });

  it('path parameters: NUL, numbers, bad escapes, too long', async () => {
    for (const route of routes.filter((r) => r.pathParams.length > 0)) {
      for (const { name } of route.pathParams) {
        for (const bad of BAD_PATH) await send(route, `{${name}}=${bad.slice(0, 20)}`, urlOf(route, { [name]: bad }));
      }
    }
    expect(problems).toEqual([]);
  });

  it('the bad integers are refused, not clamped or stored', async () => {
    const overflow = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/organizations',
      headers: t.adminAuth(),
      payload: { name: 'Big', minutes_balance: 2 ** 31 },
    });
    expect(overflow.statusCode).toBe(400);
    expect(overflow.json()).toMatchObject({ error: 'invalid_request', param: 'minutes_balance' });
    const credits = async (minutes: number) =>
      t.app.inject({ method: 'POST', url: `/api/v1/admin/organizations/${ids.adminOrg}/credits`, headers: t.adminAuth(), payload: { minutes } });
    for (let i = 0; i < 21; i++) await credits(100_000_000);
    const past = await credits(100_000_000);
    expect(past.statusCode).toBe(400);
    expect(past.json()).toMatchObject({ error: 'invalid_request', param: 'minutes' });
    const offset = await t.app.inject({ method: 'GET', url: '/api/v1/calls?offset=Infinity', headers: t.auth(a.apiKey) });
    expect(offset.statusCode).toBe(400);
    expect(offset.json()).toMatchObject({ error: 'invalid_request', param: 'offset' });
  });
});
