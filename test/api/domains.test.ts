import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto.js';
import { ResendClient, ResendError } from '../../src/resend/index.js';
import { buildTestApp, TEST_SECRET_KEY, type TestApp, type TestOrg } from '../helpers/index.js';
import { startFakeResend, type FakeResend } from '../fakes/resend-server.js';

const KEY_A = 're_test_org_a_0123456789';
const KEY_B = 're_test_org_b_0123456789';

async function setResendKey(t: TestApp, orgId: string, key: string): Promise<void> {
  await t.db.query(
    `INSERT INTO byok_keys (org_id, provider, key_encrypted) VALUES ($1, 'resend', $2)
     ON CONFLICT (org_id, provider) DO UPDATE SET key_encrypted = EXCLUDED.key_encrypted`,
    [orgId, new SecretBox(TEST_SECRET_KEY).encrypt(key)],
  );
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('/api/v1/domains against a Resend fake', () => {
  let t: TestApp;
  let resend: FakeResend;
  let a: TestOrg;
  let b: TestOrg;
  let noKey: TestOrg;

  const call = (org: TestOrg, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(org.apiKey), payload });

  beforeAll(async () => {
    resend = await startFakeResend();
    resend.addAccount(KEY_A);
    resend.addAccount(KEY_B);
    t = await buildTestApp({ env: { RESEND_BASE_URL: resend.url } });
    a = await t.createOrg();
    b = await t.createOrg();
    noKey = await t.createOrg();
    await setResendKey(t, a.org.id, KEY_A);
    await setResendKey(t, b.org.id, KEY_B);
  });
  afterAll(async () => {
    await t.close();
    await resend.close();
  });

  it('without a Resend BYOK key: GET answers 404, the Resend routes answer 400 naming BYOK', async () => {
    expect((await call(noKey, 'GET', '/domains')).json()).toMatchObject({ error: 'not_found' });
    for (const [method, url, body] of [
      ['POST', '/domains', { domain_name: 'mail.example.com' }],
      ['GET', '/domains/sync', undefined],
      ['POST', '/domains/sync', { domain_id: 'x' }],
    ] as const) {
      const res = await call(noKey, method, url, body);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.json().message).toMatch(/BYOK/);
      expect(res.json().message).toMatch(/resend/i);
    }
    expect((await call(noKey, 'POST', '/domains/verify')).statusCode).toBe(404);
    expect(resend.requests).toHaveLength(0);
  });

  it('validates the domain name and region before calling Resend', async () => {
    for (const domain_name of ['localhost', 'not a domain', '192.0.2.1', 'mail.example.com:25']) {
      const res = await call(a, 'POST', '/domains', { domain_name });
      expect(res.statusCode, domain_name).toBe(400);
      expect(res.json().param).toBe('domain_name');
    }
    expect((await call(a, 'POST', '/domains', { domain_name: 'mail.example.com', region: 'mars-1' })).json().param).toBe('region');
    expect((await call(a, 'POST', '/domains', {})).json()).toMatchObject({ error: 'missing_field', param: 'domain_name' });
    expect(resend.requests).toHaveLength(0);
  });

  it('creates the domain at Resend with the org’s key and stores status, region and records', async () => {
    const res = await call(a, 'POST', '/domains', { domain_name: 'Mail.Example.com', region: 'eu-west-1' });
    expect(res.statusCode).toBe(201);
    const domain = res.json();
    const atResend = resend.domains(KEY_A);
    expect(atResend).toHaveLength(1);
    expect(resend.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/domains',
      authorization: `Bearer ${KEY_A}`,
      body: { name: 'mail.example.com', region: 'eu-west-1' },
    });
    expect(domain).toEqual({
      id: expect.any(String),
      org_id: a.org.id,
      domain: 'mail.example.com',
      domain_name: 'mail.example.com',
      verified: false,
      resend_domain_id: atResend[0].id,
      status: 'not_started',
      region: 'eu-west-1',
      records: atResend[0].records,
      verified_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(domain.records[0]).toMatchObject({ record: 'SPF', type: 'MX', ttl: 'Auto', priority: 10 });
    expect((await call(a, 'GET', '/domains')).json()).toEqual(domain);
  });

  it('one domain per organization: a second create is 409 and calls Resend no more', async () => {
    const before = resend.requests.length;
    const res = await call(a, 'POST', '/domains', { domain_name: 'other.example.com' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('mail.example.com');
    expect(resend.requests.length).toBe(before);
  });

  it('verify asks Resend and reports the outcome; refresh reloads the state', async () => {
    resend.verifyOutcome = 'pending';
    const pending = await call(a, 'POST', '/domains/verify');
    expect(pending.json()).toEqual({ verified: false, status: 'pending' });
    expect(resend.requests.some((r) => r.method === 'POST' && r.path.endsWith('/verify'))).toBe(true);
    resend.verifyOutcome = 'verified';
    expect((await call(a, 'POST', '/domains/verify')).json()).toEqual({ verified: true, status: 'verified' });
    const domain = (await call(a, 'GET', '/domains')).json();
    expect(domain.status).toBe('verified');
    expect(domain.verified).toBe(true);
    expect(domain.verified_at).toEqual(expect.any(String));
    expect(domain.records.every((r: { status: string }) => r.status === 'verified')).toBe(true);

    // Resend's finer states map onto the contract's four.
    resend.domains(KEY_A)[0].status = 'temporary_failure';
    expect((await call(a, 'POST', '/domains/refresh')).json().status).toBe('pending');
    resend.domains(KEY_A)[0].status = 'failed';
    const refreshed = await call(a, 'POST', '/domains/refresh');
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toMatchObject({ status: 'failed', verified: false, verified_at: null, domain_name: 'mail.example.com' });
  });

  it('sync lists the Resend account’s domains and selects one by domain_id or resendDomainId', async () => {
    const existing = resend.addDomain(KEY_A, 'news.example.org', { status: 'verified', region: 'us-east-1' });
    const current = resend.domains(KEY_A)[0];
    const list = await call(a, 'GET', '/domains/sync');
    expect(list.statusCode).toBe(200);
    // The SDK's shape: an array, the organization's choice marked `selected`.
    expect(list.json()).toEqual([
      { id: current.id, name: 'mail.example.com', status: 'failed', region: 'eu-west-1', selected: true },
      { id: existing.id, name: 'news.example.org', status: 'verified', region: 'us-east-1', selected: false },
    ]);
    const twoIds = await call(a, 'POST', '/domains/sync', { domain_id: existing.id, resendDomainId: current.id });
    expect(twoIds.json()).toMatchObject({ error: 'invalid_request', param: 'resendDomainId' });
    const selected = await call(a, 'POST', '/domains/sync', { resendDomainId: existing.id });
    expect(selected.statusCode).toBe(200);
    expect(selected.json()).toMatchObject({ success: true, domain: { domain_name: 'news.example.org', resend_domain_id: existing.id, status: 'verified' } });
    expect(selected.json().domain.verified_at).toEqual(expect.any(String));
    expect((await call(a, 'GET', '/domains/sync')).json().find((d: { selected: boolean }) => d.selected)?.id).toBe(existing.id);
    const back = await call(a, 'POST', '/domains/sync', { domain_id: current.id });
    expect(back.json().domain.domain_name).toBe('mail.example.com');
    expect((await call(a, 'POST', '/domains/sync', { domain_id: 'no-such-domain' })).json()).toMatchObject({ error: 'not_found', param: 'domain_id' });
    expect((await call(a, 'POST', '/domains/sync', {})).json()).toMatchObject({ error: 'missing_field', param: 'domain_id' });
  });

  it('Resend errors answer 502 provider_unavailable with Resend’s message', async () => {
    resend.failNext(500, 'internal_server_error', 'An unexpected error occurred.');
    const res = await call(a, 'POST', '/domains/refresh');
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ error: 'provider_unavailable', type: 'provider_unavailable', message: 'Resend: An unexpected error occurred.' });
    await setResendKey(t, a.org.id, 're_revoked_key');
    const rejected = await call(a, 'GET', '/domains/sync');
    expect(rejected.statusCode).toBe(502);
    expect(rejected.json().message).toBe('Resend: API key is invalid');
    await setResendKey(t, a.org.id, KEY_A);
  });

  it('isolation: another organization sees no domain and cannot select, verify, refresh or delete this one', async () => {
    const mine = (await call(a, 'GET', '/domains')).json();
    expect((await call(b, 'GET', '/domains')).statusCode).toBe(404);
    expect((await call(b, 'GET', '/domains/sync')).json()).toEqual([]);
    // B's key is another Resend account: A's Resend domain id is unknown there.
    expect((await call(b, 'POST', '/domains/sync', { domain_id: mine.resend_domain_id })).statusCode).toBe(404);
    for (const [method, url] of [['POST', '/domains/verify'], ['POST', '/domains/refresh'], ['DELETE', '/domains']] as const) {
      const res = await call(b, method, url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    expect((await call(a, 'GET', '/domains')).json()).toEqual(mine);
  });

  it('delete removes the domain at Resend and here; a domain already gone at Resend is fine', async () => {
    const id = (await call(a, 'GET', '/domains')).json().resend_domain_id;
    const res = await call(a, 'DELETE', '/domains');
    expect(res.json()).toEqual({ success: true });
    expect(resend.domains(KEY_A).map((d) => d.id)).not.toContain(id);
    expect((await call(a, 'GET', '/domains')).statusCode).toBe(404);
    expect((await call(a, 'DELETE', '/domains')).statusCode).toBe(404);

    const created = (await call(a, 'POST', '/domains', { domain_name: 'gone.example.com' })).json();
    await new ResendClient({ baseUrl: resend.url, apiKey: KEY_A }).deleteDomain(created.resend_domain_id);
    expect((await call(a, 'DELETE', '/domains')).json()).toEqual({ success: true });
    expect((await call(a, 'GET', '/domains')).statusCode).toBe(404);
  });

  it('after the Resend key is removed: verify explains BYOK, delete removes the domain here only', async () => {
    const created = (await call(a, 'POST', '/domains', { domain: 'keyless.example.com' })).json();
    await t.db.query("DELETE FROM byok_keys WHERE org_id = $1 AND provider = 'resend'", [a.org.id]);
    const verify = await call(a, 'POST', '/domains/verify');
    expect(verify.statusCode).toBe(400);
    expect(verify.json().message).toMatch(/BYOK/);
    expect((await call(a, 'DELETE', '/domains')).json()).toEqual({ success: true });
    expect((await call(a, 'GET', '/domains')).statusCode).toBe(404);
    expect(resend.domains(KEY_A).map((d) => d.id)).toContain(created.resend_domain_id); // left in the org's Resend account
    await setResendKey(t, a.org.id, KEY_A);
  });

  it('Resend unreachable answers 502', async () => {
    const down = await buildTestApp({ env: { RESEND_BASE_URL: `http://127.0.0.1:${await closedPort()}` } });
    try {
      const org = await down.createOrg();
      await setResendKey(down, org.org.id, KEY_A);
      const res = await down.app.inject({ method: 'POST', url: '/api/v1/domains', headers: down.auth(org.apiKey), payload: { domain_name: 'x.example.com' } });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({ error: 'provider_unavailable', message: expect.stringContaining('Resend is unreachable') });
      expect((await down.app.inject({ method: 'GET', url: '/api/v1/domains', headers: down.auth(org.apiKey) })).statusCode).toBe(404);
    } finally {
      await down.close();
    }
  });
});

describe('ResendClient', () => {
  let resend: FakeResend;
  beforeAll(async () => {
    resend = await startFakeResend();
    resend.addAccount(KEY_A);
  });
  afterAll(() => resend.close());

  it('gives up after its timeout when Resend does not answer', async () => {
    resend.hang = true;
    const client = new ResendClient({ baseUrl: resend.url, apiKey: KEY_A, timeoutMs: 200 });
    const started = Date.now();
    const err = await client.listDomains().catch((e: unknown) => e);
    resend.hang = false;
    expect(err).toBeInstanceOf(ResendError);
    expect(err).toMatchObject({ status: 0, errorName: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads Resend’s error bodies', async () => {
    const missing = await new ResendClient({ baseUrl: resend.url, apiKey: '' }).listDomains().catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 401, errorName: 'missing_api_key' });
    const client = new ResendClient({ baseUrl: resend.url + '/', apiKey: KEY_A });
    expect(await client.getDomain('nope').catch((e: unknown) => e)).toMatchObject({ status: 404, errorName: 'not_found' });
    expect(await client.createDomain({ name: 'bad' }).catch((e: unknown) => e)).toMatchObject({ status: 422, errorName: 'validation_error' });
    const created = await client.createDomain({ name: 'ok.example.com' });
    expect(created).toMatchObject({ name: 'ok.example.com', status: 'not_started', region: 'us-east-1' });
    expect(await client.listDomains()).toEqual([expect.objectContaining({ id: created.id, name: 'ok.example.com' })]);
  });
});
