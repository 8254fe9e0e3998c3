/**
 * Issue #13: the OpenAPI document shows both accepted input spellings of every field the two API
 * generations name differently, the SDK's response fields, and the error body's `type`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/index.js';

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  parameters?: unknown;
}
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }>;
}

/** The properties of the schema at a dotted path (`tts_config`, `llm_config.tools[]`), through nullable unions. */
function propertiesAt(schema: Schema, path: string): string[] {
  let node: Schema | undefined = schema;
  for (const part of path ? path.split('.') : []) {
    const [key, many] = part.endsWith('[]') ? [part.slice(0, -2), true] : [part, false];
    node = node?.properties?.[key] ?? node?.anyOf?.find((s) => s.properties)?.properties?.[key];
    node = node?.anyOf?.find((s) => s.properties || s.items) ?? node;
    if (many) node = node?.items;
  }
  const target = node?.anyOf?.find((s) => s.properties) ?? node;
  return Object.keys(target?.properties ?? {});
}

describe('the OpenAPI document lists both generations', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    t = await buildTestApp();
    paths = (t.app.swagger() as unknown as { paths: typeof paths }).paths;
  });
  afterAll(() => t?.close());

  const body = (method: string, path: string) => paths[path][method].requestBody!.content['application/json'].schema;
  const answer = (method: string, path: string, status: string) => paths[path][method].responses[status].content!['application/json']!.schema;

  it.each([
    ['post', '/api/v1/assistants', 'tts_config', ['voiceId', 'voice_id', 'similarity_boost', 'similarityBoost']],
    ['post', '/api/v1/agents', 'llm_config', ['max_completion_tokens', 'max_tokens', 'maxTokens', 'turn_detection']],
    ['post', '/api/v1/agents', 'llm_config.tools[]', ['name', 'url', 'function', 'server', 'asyncResponse', 'async_response', 'destinations']],
    ['post', '/api/v1/agents', 'analysis_plan', ['structuredDataPlan', 'structured_data_plan', 'minMessagesThreshold', 'min_messages_threshold']],
    ['post', '/api/v1/agents', 'analysis_plan.structured_data_plan', ['schema', 'template_id', 'templateId']],
    ['post', '/api/v1/agents', '', ['gdpr_mode', 'webhook_format', 'tool_template_ids']],
    ['post', '/api/v1/sip-trunks', '', ['host', 'address', 'outbound_address', 'username', 'auth_username', 'password', 'auth_password', 'provider', 'inbound_addresses', 'outbound_number']],
    ['post', '/api/v1/tool-templates', '', ['tool_type', 'tool_config', 'function_definition', 'server_url', 'async']],
    ['post', '/api/v1/domains', '', ['domain_name', 'domain']],
    ['post', '/api/v1/numbers', '', ['phone_number', 'number', 'agent_id', 'assistant_id', 'is_active']],
    ['post', '/api/v1/campaigns/{id}/leads', '', ['phone_number', 'number', 'name']],
    ['post', '/api/v1/organizations', '', ['name', 'parent_org_id', 'email']],
    ['patch', '/api/v1/organizations', '', ['content_retention_days', 'metadata_retention_days', 'webhook_format']],
    ['post', '/api/v1/calls/outbound', 'assistant_override', ['first_message', 'tts_config', 'metadata']],
  ])('%s %s body %s: %j', (method, path, at, fields) => {
    expect(propertiesAt(body(method, path), at)).toEqual(expect.arrayContaining(fields));
  });

  it.each([
    ['post', '/api/v1/assistants', '201', 'assistant', ['gdpr_mode', 'silence_timeout_seconds', 'stt_config', 'tts_config']],
    ['post', '/api/v1/sip-trunks', '201', 'trunk', ['host', 'address', 'outbound_address', 'username', 'auth_username', 'provider', 'inbound_addresses', 'outbound_number', 'is_active']],
    ['post', '/api/v1/tool-templates', '201', 'tool_template', ['tool_type', 'tool_config', 'function_definition', 'server_url', 'async']],
    ['get', '/api/v1/domains', '200', '', ['domain', 'domain_name', 'verified', 'status']],
    ['get', '/api/v1/usage', '200', 'logs[]', ['duration_seconds', 'duration_sec', 'call_type', 'phone_number', 'agent_name', 'business_name']],
    ['get', '/api/v1/usage', '200', 'summary', ['total_minutes', 'total_duration_seconds', 'total_duration_minutes']],
    ['get', '/api/v1/organizations', '200', '', ['created_at', 'email', 'credits_balance', 'parent_org_id', 'children', 'content_retention_days', 'webhook_format']],
    ['post', '/api/v1/organizations', '201', '', ['api_key', 'parent_org_id', 'created_at']],
    ['get', '/api/v1/campaigns/{id}/leads', '200', '', ['leads', 'pagination']],
    ['get', '/api/v1/numbers', '200', 'numbers[]', ['is_active', 'business_name']],
    ['get', '/api/v1/agents', '4XX', '', ['error', 'message', 'type', 'param', 'details', 'retry_after']],
  ])('%s %s %s answer %s: %j', (method, path, status, at, fields) => {
    expect(propertiesAt(answer(method, path, status), at)).toEqual(expect.arrayContaining(fields));
  });

  it('query parameters: listLeads pages, the organization lists its children', () => {
    expect(paths['/api/v1/campaigns/{id}/leads'].get.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['limit', 'offset']);
    expect(paths['/api/v1/organizations'].get.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['include_children']);
  });
});
