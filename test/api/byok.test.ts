import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveProviderKey, resolveProviderKeys } from '../../src/agents/index.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

let t: TestApp;
let a: TestOrg;
let b: TestOrg;

beforeAll(async () => {
  t = await buildTestApp({ env: { OPENAI_API_KEY: 'sk-platform-openai', DEEPGRAM_API_KEY: 'dg-platform' } });
  a = await t.createOrg();
  b = await t.createOrg();
});
afterAll(() => t.close());

type Method = 'GET' | 'POST' | 'DELETE';
async function call(method: Method, url: string, payload?: unknown, key = a.apiKey) {
  const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(key), ...(payload !== undefined && { payload: payload as object }) });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}

const EMPTY = {
  deepgram_secret_id: null,
  openai_secret_id: null,
  elevenlabs_secret_id: null,
  xai_secret_id: null,
  resend_secret_id: null,
  mistral_secret_id: null,
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('BYOK keys', () => {
  it('starts with no keys', async () => {
    expect(await call('GET', '/byok')).toMatchObject({ status: 200, body: { byok_keys: EMPTY } });
  });

  it('stores a key encrypted and shows only its secret id', async () => {
    const key = 'xai-0123456789abcdefSECRET';
    const res = await call('POST', '/byok', { provider: 'xai', api_key: key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, byok_keys: { ...EMPTY, xai_secret_id: expect.stringMatching(UUID) } });
    expect(res.raw).not.toContain('SECRET');
    const get = await call('GET', '/byok');
    expect(get.body.byok_keys.xai_secret_id).toBe(res.body.byok_keys.xai_secret_id);
    expect(get.raw).not.toContain('SECRET');
    const row = await t.db.query('SELECT key_encrypted, secret_id FROM byok_keys WHERE org_id = $1', [a.org.id]);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0].key_encrypted).not.toContain('SECRET');
    expect(row.rows[0].key_encrypted).not.toContain(Buffer.from(key).toString('base64').slice(0, 12));
    expect(row.rows[0].key_encrypted).toMatch(/^v1\./);
  });

  it('replacing a key rotates the secret id; the call path reads the new key', async () => {
    const first = await call('POST', '/byok', { provider: 'openai', api_key: 'sk-first-key-1111' });
    const second = await call('POST', '/byok', { provider: 'openai', api_key: '  sk-second-key-2222 ' });
    expect(second.body.byok_keys.openai_secret_id).toMatch(UUID);
    expect(second.body.byok_keys.openai_secret_id).not.toBe(first.body.byok_keys.openai_secret_id);
    const deps = { db: t.db, secrets: t.app.deps.secrets, config: t.config };
    expect(await resolveProviderKey(deps, a.org.id, 'openai_realtime')).toEqual({
      provider: 'openai',
      apiKey: 'sk-second-key-2222',
      baseUrl: 'https://api.openai.com/v1',
      source: 'byok',
    });
  });

  it('DELETE removes the key (JSON body or ?provider=) and the platform key applies again', async () => {
    await call('POST', '/byok', { provider: 'deepgram', api_key: 'dg-org-key' });
    const deps = { db: t.db, secrets: t.app.deps.secrets, config: t.config };
    expect((await resolveProviderKey(deps, a.org.id, 'deepgram'))?.source).toBe('byok');
    const del = await call('DELETE', '/byok', { provider: 'deepgram' });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ success: true, byok_keys: { deepgram_secret_id: null } });
    expect(await resolveProviderKey(deps, a.org.id, 'deepgram')).toMatchObject({ apiKey: 'dg-platform', source: 'platform' });
    await call('POST', '/byok', { provider: '11labs', api_key: 'el-key' });
    expect((await call('GET', '/byok')).body.byok_keys.elevenlabs_secret_id).toMatch(UUID);
    const viaQuery = await call('DELETE', '/byok?provider=elevenlabs');
    expect(viaQuery.body.byok_keys.elevenlabs_secret_id).toBeNull();
    // Removing a key that is not there is not an error.
    expect((await call('DELETE', '/byok', { provider: 'resend' })).status).toBe(200);
  });

  it('resolves a whole call’s keys and names the providers without any key', async () => {
    const deps = { db: t.db, secrets: t.app.deps.secrets, config: t.config };
    const c = await t.createOrg();
    await call('POST', '/byok', { provider: 'mistral', api_key: 'ms-key' }, c.apiKey);
    const { keys, missing } = await resolveProviderKeys(deps, c.org.id, ['mistral', 'deepgram', 'elevenlabs', 'openai']);
    expect(keys.mistral).toMatchObject({ apiKey: 'ms-key', source: 'byok' });
    expect(keys.deepgram).toMatchObject({ apiKey: 'dg-platform', source: 'platform' });
    expect(keys.openai).toMatchObject({ apiKey: 'sk-platform-openai', source: 'platform' });
    expect(missing).toEqual(['elevenlabs']);
    expect(await resolveProviderKey(deps, c.org.id, 'local')).toBeNull();
  });

  it('refuses bad input', async () => {
    const cases: [Method, Record<string, unknown>, string, string][] = [
      ['POST', { api_key: 'k' }, 'missing_field', 'provider'],
      ['POST', { provider: 'openai' }, 'missing_field', 'api_key'],
      ['POST', { provider: 'anthropic', api_key: 'k' }, 'invalid_request', 'provider'],
      ['POST', { provider: 'openai', api_key: '' }, 'invalid_request', 'api_key'],
      ['POST', { provider: 'openai', api_key: '   ' }, 'invalid_request', 'api_key'],
      ['POST', { provider: 'openai', api_key: 'two words' }, 'invalid_request', 'api_key'],
      ['POST', { provider: 'openai', api_key: 'k'.repeat(1001) }, 'invalid_request', 'api_key'],
      ['POST', { provider: 'openai', api_key: 12345 }, 'invalid_request', 'api_key'],
      ['DELETE', {}, 'missing_field', 'provider'],
      ['DELETE', { provider: 'nope' }, 'invalid_request', 'provider'],
    ];
    for (const [method, payload, error, param] of cases) {
      const res = await call(method, '/byok', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(res.body, JSON.stringify(payload)).toMatchObject({ error, param });
    }
  });

  it('keeps organizations apart and needs a key', async () => {
    await call('POST', '/byok', { provider: 'resend', api_key: 're_org_a' });
    expect((await call('GET', '/byok', undefined, b.apiKey)).body.byok_keys).toEqual(EMPTY);
    await call('DELETE', '/byok', { provider: 'resend' }, b.apiKey);
    expect((await call('GET', '/byok')).body.byok_keys.resend_secret_id).toMatch(UUID);
    const deps = { db: t.db, secrets: t.app.deps.secrets, config: t.config };
    expect(await resolveProviderKey(deps, b.org.id, 'resend')).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/byok' })).statusCode).toBe(401);
  });
});

describe('GET /byok/config', () => {
  it('returns the provider catalogue', async () => {
    const res = await call('GET', '/byok/config');
    expect(res.status).toBe(200);
    const providers = res.body.providers as { id: string; category: string; docsUrl: string; models: { id: string; default: boolean }[] }[];
    expect(providers.map((p) => p.id).sort()).toEqual(['deepgram', 'elevenlabs', 'mistral', 'openai', 'resend', 'xai']);
    const byId = new Map(providers.map((p) => [p.id, p]));
    expect(byId.get('deepgram')).toMatchObject({ category: 'stt', models: expect.arrayContaining([{ id: 'nova-3-general', name: expect.any(String), default: true }]) });
    expect(byId.get('openai')?.category).toBe('llm');
    expect(byId.get('openai')?.models.find((m) => m.default)?.id).toBe('gpt-4o-mini');
    expect(byId.get('openai')?.models.map((m) => m.id)).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-4.1-mini']));
    expect(byId.get('elevenlabs')?.models.map((m) => m.id)).toEqual([
      'eleven_flash_v2_5',
      'eleven_turbo_v2_5',
      'eleven_multilingual_v2',
      'eleven_v3',
      'eleven_monolingual_v1',
    ]);
    expect(byId.get('xai')?.category).toBe('realtime');
    expect(byId.get('resend')?.category).toBe('email');
    for (const p of providers) {
      expect(p.docsUrl).toMatch(/^https:\/\//);
      expect(p.models.filter((m) => m.default).length).toBe(p.models.length === 0 ? 0 : 1);
    }
  });
});
