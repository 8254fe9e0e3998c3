import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto.js';
import { loadTrunkCredentials } from '../../src/api/resources/sip-trunks/service.js';
import { normaliseTrunkHost } from '../../src/api/resources/sip-trunks/host.js';
import { buildTestApp, TEST_SECRET_KEY, type TestApp, type TestOrg } from '../helpers/index.js';
import { expectOrgIsolation } from './isolation-helpers.js';

describe('/api/v1/sip-trunks', () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  const changed: string[] = [];

  const call = (org: TestOrg, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(org.apiKey), payload });
  const create = async (org: TestOrg, body: object) => {
    const res = await call(org, 'POST', '/sip-trunks', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().trunk as { id: string; is_default_outbound: boolean };
  };
  const defaults = async (org: TestOrg) =>
    ((await call(org, 'GET', '/sip-trunks')).json().trunks as { id: string; is_default_outbound: boolean }[])
      .filter((x) => x.is_default_outbound)
      .map((x) => x.id);

  beforeAll(async () => {
    t = await buildTestApp({ services: { trunkAllowList: { onTrunksChanged: (orgId) => changed.push(orgId) } } });
    a = await t.createOrg();
    b = await t.createOrg();
  });
  afterAll(() => t.close());

  it('takes who transfer targets see calling: caller, number, or an E.164 (normalised); refuses anything else', async () => {
    const created = await call(a, 'POST', '/sip-trunks', { name: 'PBX', host: 'pbx.example.com', transfer_caller_id: '+31 85 083 5037' });
    expect(created.json().trunk.transfer_caller_id).toBe('+31850835037');
    const id = created.json().trunk.id as string;
    expect((await call(a, 'PATCH', `/sip-trunks/${id}`, { transfer_caller_id: 'number' })).json().trunk.transfer_caller_id).toBe('number');
    const bad = await call(a, 'PATCH', `/sip-trunks/${id}`, { transfer_caller_id: 'the boss' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_phone_number', param: 'transfer_caller_id' });
  });

  it('creates a trunk with defaults; answers with both `sip_trunk` and `trunk`, never the password', async () => {
    const res = await call(a, 'POST', '/sip-trunks', { name: 'Office PBX', host: 'PBX.Example.com', username: 'voxgate', password: 's3cret-pass' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.sip_trunk).toEqual(body.trunk);
    expect(body.trunk).toEqual({
      id: expect.any(String),
      org_id: a.org.id,
      name: 'Office PBX',
      host: 'pbx.example.com',
      port: 5060,
      address: 'pbx.example.com',
      outbound_address: 'pbx.example.com',
      username: 'voxgate',
      auth_username: 'voxgate',
      has_password: true,
      inbound_addresses: [],
      transport: 'udp',
      transfer_mode: 'bridge',
      transfer_caller_id: 'caller',
      is_default_outbound: false,
      calls_per_second: 1,
      is_active: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(res.body).not.toContain('s3cret-pass');
    const got = await call(a, 'GET', `/sip-trunks/${body.trunk.id}`);
    expect(got.json()).toEqual(body);
    expect(got.body).not.toMatch(/"password"|password_encrypted/);
  });

  it('stores the password encrypted (AES-256-GCM under SECRET_KEY) and the call path can read it back', async () => {
    const trunk = await create(a, { name: 'Enc', host: '203.0.113.7', password: 'hunter2-hunter2' });
    const { rows } = await t.db.query<{ password_encrypted: string }>('SELECT password_encrypted FROM sip_trunks WHERE id = $1', [trunk.id]);
    expect(rows[0].password_encrypted).toMatch(/^v1\./);
    expect(rows[0].password_encrypted).not.toContain('hunter2');
    expect(new SecretBox(TEST_SECRET_KEY).decrypt(rows[0].password_encrypted)).toBe('hunter2-hunter2');
    expect(await loadTrunkCredentials(t.db, new SecretBox(TEST_SECRET_KEY), a.org.id, trunk.id)).toEqual({ username: null, password: 'hunter2-hunter2' });
    expect(await loadTrunkCredentials(t.db, new SecretBox(TEST_SECRET_KEY), b.org.id, trunk.id)).toBeNull();
  });

  it('validates host, port, transport and transfer_mode', async () => {
    const cases: [object, string][] = [
      [{ host: 'sip.example.com:5060' }, 'host'],
      [{ host: 'sip:pbx.example.com' }, 'host'],
      [{ host: 'bad host' }, 'host'],
      [{ host: '999.1.1.1' }, 'host'],
      [{ host: '-x.example.com' }, 'host'],
      [{ host: '' }, 'host'],
      [{ host: 'ok.example.com', port: 0 }, 'port'],
      [{ host: 'ok.example.com', port: 70000 }, 'port'],
      [{ host: 'ok.example.com', port: '5060' }, 'port'],
      [{ host: 'ok.example.com', transport: 'tls' }, 'transport'],
      [{ host: 'ok.example.com', transfer_mode: 'attended' }, 'transfer_mode'],
    ];
    for (const [body, param] of cases) {
      const res = await call(a, 'POST', '/sip-trunks', { name: 'x', ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', param });
    }
    expect((await call(a, 'POST', '/sip-trunks', { host: 'ok.example.com' })).json()).toMatchObject({ error: 'missing_field', param: 'name' });
    expect((await call(a, 'POST', '/sip-trunks', { name: 'x' })).json()).toMatchObject({ error: 'missing_field', param: 'host' });
    const hint = await call(a, 'POST', '/sip-trunks', { name: 'x', host: 'sip.example.com:5060' });
    expect(hint.json().message).toContain('port');
  });

  it('accepts IPv4, IPv6 (with or without brackets) and DNS names', () => {
    expect(normaliseTrunkHost('192.0.2.1')).toBe('192.0.2.1');
    expect(normaliseTrunkHost('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normaliseTrunkHost('2001:DB8::1')).toBe('2001:db8::1');
    expect(normaliseTrunkHost('sip.provider.nl.')).toBe('sip.provider.nl');
    expect(normaliseTrunkHost('localhost')).toBe('localhost');
    expect(normaliseTrunkHost('a'.repeat(64) + '.com')).toBeNull();
  });

  it('takes tcp/refer and a custom port', async () => {
    const trunk = await create(a, { name: 'TCP', host: 'tcp.example.com', port: 5080, transport: 'tcp', transfer_mode: 'refer' });
    expect(trunk).toMatchObject({ port: 5080, transport: 'tcp', transfer_mode: 'refer', has_password: false, username: null });
  });

  it('keeps one default outbound trunk per organization', async () => {
    const one = await create(a, { name: 'D1', host: 'd1.example.com', is_default_outbound: true });
    expect(one.is_default_outbound).toBe(true);
    const bDefault = await create(b, { name: 'B default', host: 'b.example.com', is_default_outbound: true });
    const two = await create(a, { name: 'D2', host: 'd2.example.com', is_default_outbound: true });
    expect(await defaults(a)).toEqual([two.id]);
    const patched = await call(a, 'PATCH', `/sip-trunks/${one.id}`, { is_default_outbound: true });
    expect(patched.json().trunk.is_default_outbound).toBe(true);
    expect(await defaults(a)).toEqual([one.id]);
    expect(await defaults(b)).toEqual([bDefault.id]); // other orgs are untouched
    await call(a, 'PATCH', `/sip-trunks/${one.id}`, { is_default_outbound: false });
    expect(await defaults(a)).toEqual([]);
  });

  it('switches the default safely under concurrent requests', async () => {
    const trunks = await Promise.all([1, 2, 3, 4].map((i) => create(a, { name: `C${i}`, host: `c${i}.example.com` })));
    const results = await Promise.all(trunks.map((x) => call(a, 'PATCH', `/sip-trunks/${x.id}`, { is_default_outbound: true })));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(await defaults(a)).toHaveLength(1);
  });

  it('PATCH changes only what is sent; the password can be replaced or removed', async () => {
    const trunk = await create(a, { name: 'P', host: 'p.example.com', username: 'u', password: 'first' });
    const renamed = (await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, { name: 'P2', port: 5061 })).json().trunk;
    expect(renamed).toMatchObject({ name: 'P2', port: 5061, host: 'p.example.com', username: 'u', has_password: true });
    await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, { password: 'second' });
    expect((await loadTrunkCredentials(t.db, new SecretBox(TEST_SECRET_KEY), a.org.id, trunk.id))?.password).toBe('second');
    const cleared = (await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, { password: null, username: '' })).json().trunk;
    expect(cleared).toMatchObject({ has_password: false, username: null });
    expect((await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, { host: 'x:1' })).statusCode).toBe(400);
    expect((await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, {})).statusCode).toBe(200);
  });

  it('refuses to delete a trunk numbers transfer through (409) unless forced', async () => {
    const trunk = await create(a, { name: 'Used', host: 'used.example.com' });
    const number = (await call(a, 'POST', '/numbers', { phone_number: '+31850001000', transfer_trunk_id: trunk.id })).json().number;
    const refused = await call(a, 'DELETE', `/sip-trunks/${trunk.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'conflict' });
    expect(refused.json().message).toContain('force=true');
    const forced = await call(a, 'DELETE', `/sip-trunks/${trunk.id}?force=true`);
    expect(forced.json()).toEqual({ success: true });
    expect((await call(a, 'GET', `/numbers/${number.id}`)).json().number.transfer_trunk_id).toBeNull();
    expect((await call(a, 'GET', `/sip-trunks/${trunk.id}`)).statusCode).toBe(404);
  });

  it('deletes an unused trunk and notifies the allow-list on every write', async () => {
    changed.length = 0;
    const trunk = await create(a, { name: 'Tmp', host: 'tmp.example.com' });
    await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, { host: 'tmp2.example.com' });
    expect((await call(a, 'DELETE', `/sip-trunks/${trunk.id}`)).json()).toEqual({ success: true });
    expect(changed).toEqual([a.org.id, a.org.id, a.org.id]);
    expect((await call(a, 'DELETE', `/sip-trunks/${trunk.id}`)).statusCode).toBe(404);
  });

  it('lists under `trunks`, oldest first, only the caller’s', async () => {
    const list = (await call(b, 'GET', '/sip-trunks')).json();
    expect(Object.keys(list)).toEqual(['trunks']);
    expect(list.trunks.map((x: { name: string }) => x.name)).toEqual(['B default']);
    expect(JSON.stringify((await call(a, 'GET', '/sip-trunks')).json())).not.toMatch(/password_encrypted|"password"/);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/sip-trunks' })).statusCode).toBe(401);
  });

  it('isolation: another organization gets 404 on every route, also as a number’s transfer trunk', async () => {
    const trunk = await create(a, { name: 'Mine', host: 'mine.example.com', password: 'pw' });
    await expectOrgIsolation(t.app, {
      ownerKey: a.apiKey,
      otherKey: b.apiKey,
      id: trunk.id,
      routes: [
        { method: 'GET', url: (x) => `/api/v1/sip-trunks/${x}` },
        { method: 'PATCH', url: (x) => `/api/v1/sip-trunks/${x}`, body: { name: 'stolen', is_default_outbound: true } },
        { method: 'DELETE', url: (x) => `/api/v1/sip-trunks/${x}?force=true` },
        { method: 'POST', url: () => '/api/v1/numbers', body: { phone_number: '+31850001001', transfer_trunk_id: trunk.id } },
      ],
    });
    expect((await call(a, 'GET', `/sip-trunks/${trunk.id}`)).json().trunk).toMatchObject({ name: 'Mine', is_default_outbound: false });
  });

  describe('the SDK’s trunk fields (issue #13)', () => {
    it('keeps the credentials, provider, inbound addresses and outbound number of an SDK-created trunk', async () => {
      const res = await call(a, 'POST', '/sip-trunks', {
        name: 'Carrier',
        provider: 'twilio',
        inbound_addresses: ['203.0.113.10', '203.0.113.11', 'edge.carrier.example', '203.0.113.10'],
        outbound_address: 'sip.carrier.example:5080',
        outbound_number: '+31 85 083 5037',
        auth_username: 'acct-1',
        auth_password: 'carrier-secret',
      });
      expect(res.statusCode, res.body).toBe(201);
      const trunk = res.json().trunk;
      expect(trunk).toMatchObject({
        host: 'sip.carrier.example',
        port: 5080,
        address: 'sip.carrier.example:5080',
        outbound_address: 'sip.carrier.example:5080',
        username: 'acct-1',
        auth_username: 'acct-1',
        has_password: true,
        provider: 'twilio',
        inbound_addresses: ['203.0.113.10', '203.0.113.11', 'edge.carrier.example'],
        outbound_number: '+31850835037',
      });
      expect(res.body).not.toContain('carrier-secret');
      expect(await loadTrunkCredentials(t.db, new SecretBox(TEST_SECRET_KEY), a.org.id, trunk.id)).toEqual({ username: 'acct-1', password: 'carrier-secret' });
      // The ingress allow-list reads the host and the inbound addresses from one view.
      const { rows } = await t.db.query<{ host: string }>('SELECT host FROM sip_trunk_ingress_hosts WHERE org_id = $1 ORDER BY host', [a.org.id]);
      expect(rows.map((r) => r.host)).toEqual(expect.arrayContaining(['203.0.113.10', '203.0.113.11', 'edge.carrier.example', 'sip.carrier.example']));
    });

    it('takes the newer SDK spelling (address, transport) and an inbound-only trunk', async () => {
      const newer = await create(a, { name: 'Newer', provider: 'telnyx', address: '[2001:db8::5]:5070', transport: 'tcp', auth_username: 'u' });
      expect(newer).toMatchObject({ host: '2001:db8::5', port: 5070, address: '[2001:db8::5]:5070', transport: 'tcp', auth_username: 'u', has_password: false });
      const inbound = await create(a, { name: 'Inbound only', inbound_addresses: ['198.51.100.7'] });
      expect(inbound).toMatchObject({ host: null, inbound_addresses: ['198.51.100.7'] });
      expect(inbound).not.toHaveProperty('address');
      const asTransfer = await call(a, 'POST', '/numbers', { phone_number: '+31850001999', transfer_trunk_id: inbound.id });
      expect(asTransfer.json()).toMatchObject({ error: 'invalid_request', param: 'transfer_trunk_id' });
      const asDefault = await call(a, 'PATCH', `/sip-trunks/${inbound.id}`, { is_default_outbound: true });
      expect(asDefault.json()).toMatchObject({ error: 'invalid_request', param: 'is_default_outbound' });
      const addressed = await call(a, 'PATCH', `/sip-trunks/${inbound.id}`, { address: 'out.carrier.example', is_default_outbound: true });
      expect(addressed.json().trunk).toMatchObject({ host: 'out.carrier.example', port: 5060, is_default_outbound: true });
      await call(a, 'PATCH', `/sip-trunks/${inbound.id}`, { is_default_outbound: false });
    });

    it('a GET → edit one spelling → PATCH round trip keeps the edit; conflicting spellings are refused', async () => {
      const trunk = await create(a, { name: 'Round', host: 'one.example.com', port: 5080, username: 'first' });
      const { id: _id, org_id: _o, has_password: _h, is_active: _a, created_at: _c, updated_at: _u, ...got } = (await call(a, 'GET', `/sip-trunks/${trunk.id}`)).json().trunk;
      const edited = await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, { ...got, auth_username: 'second', username: 'second', address: 'two.example.com:5080', outbound_address: 'two.example.com:5080', host: 'two.example.com' });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json().trunk).toMatchObject({ host: 'two.example.com', port: 5080, username: 'second' });
      const cases: [object, string][] = [
        [{ username: 'a', auth_username: 'b' }, 'auth_username'],
        [{ password: 'a', auth_password: 'b' }, 'auth_password'],
        [{ host: 'x.example.com', address: 'y.example.com' }, 'address'],
        [{ address: 'x.example.com:5080', port: 5090 }, 'port'],
        [{ address: 'sip:x.example.com' }, 'address'],
        [{ outbound_address: 'x.example.com:99999' }, 'outbound_address'],
        [{ inbound_addresses: ['10.0.0.0/8'] }, 'inbound_addresses[0]'],
        [{ outbound_number: '12' }, 'outbound_number'],
        [{ transport: 'tls' }, 'transport'],
        [{ secure_rtp: true }, 'secure_rtp'],
      ];
      for (const [body, param] of cases) {
        const res = await call(a, 'PATCH', `/sip-trunks/${trunk.id}`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().param, JSON.stringify(body)).toBe(param);
      }
      const missing = await call(a, 'POST', '/sip-trunks', { name: 'Nothing', provider: 'x' });
      expect(missing.json()).toMatchObject({ error: 'missing_field', param: 'host' });
    });
  });
});
