import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DigestClient,
  DigestServer,
  buildAuthorization,
  computeResponse,
  createChallenge,
  parseAuthValues,
  parseChallenges,
  parseCredentials,
  selectChallenge,
  verifyAuthorization,
} from '../../sip/digest/index.js';
import { SipHeaders } from '../../sip/message/index.js';

describe('digest computation against the RFC examples', () => {
  it('RFC 2617 §3.5: Mufasa / Circle Of Life', () => {
    const challenge = parseChallenges(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )[0];
    const value = buildAuthorization(challenge, { username: 'Mufasa', password: 'Circle Of Life' }, { method: 'GET', uri: '/dir/index.html' }, { nc: 1, cnonce: '0a4f113b' });
    const creds = parseCredentials(value)!;
    expect(creds.response).toBe('6629fae49393a05397450978507c4ef1');
    expect(creds).toMatchObject({ qop: 'auth', nc: '00000001', cnonce: '0a4f113b', opaque: '5ccc069c403ebaf9f0171e9517f40e41' });
    expect(value).toContain('qop=auth, nc=00000001');
  });

  const rfc7616 = {
    username: 'Mufasa',
    password: 'Circle of Life',
    realm: 'http-auth@example.org',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    qop: 'auth' as const,
  };
  it('RFC 7616 §3.9.1 MD5', () => {
    expect(computeResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });
  it('RFC 7616 §3.9.1 SHA-256', () => {
    expect(computeResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('RFC 2069 compatibility: no qop means no nc or cnonce', () => {
    const c = parseChallenges('Digest realm="r", nonce="n"')[0];
    expect(c.qop).toEqual([]);
    const value = buildAuthorization(c, { username: 'u', password: 'p' }, { method: 'INVITE', uri: 'sip:a@b' });
    expect(value).not.toMatch(/nc=|cnonce=|qop=/);
    expect(parseCredentials(value)?.response).toBe(
      computeResponse({ algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', method: 'INVITE', uri: 'sip:a@b', nonce: 'n' }),
    );
  });
});

describe('challenge parsing and selection', () => {
  it('reads several challenges, in one value or many, and prefers SHA-256 over MD5', () => {
    const cs = parseChallenges([
      'Digest realm="sip.example.com", nonce="a", algorithm=MD5, qop="auth", Digest realm="sip.example.com", nonce="b", algorithm=SHA-256, qop="auth"',
      'Basic realm="x"',
    ]);
    expect(cs.map((c) => c.algorithm)).toEqual(['MD5', 'SHA-256']);
    expect(selectChallenge(cs)?.nonce).toBe('b');
    expect(selectChallenge(parseChallenges('Digest realm="r", nonce="n", algorithm=sha-256-sess'))?.algorithm).toBe('SHA-256-sess');
  });

  it('skips unknown algorithms and qops, reads stale and opaque', () => {
    expect(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-1')).toEqual([]);
    expect(parseChallenges('Digest realm="r", nonce="n", qop="auth-conf"')).toEqual([]);
    expect(parseChallenges('Digest realm="r", nonce="n", stale=TRUE, opaque="o,p"')[0]).toMatchObject({ stale: true, opaque: 'o,p' });
    expect(parseAuthValues('Digest realm="unterminated')).toBeUndefined();
  });
});

describe('client and server round trips', () => {
  const passwords: Record<string, string> = { alice: 's3cret' };
  const lookup = (u: string): string | undefined => passwords[u];

  it.each(['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256'] as const)('%s with qop=auth', (algorithm) => {
    const server = new DigestServer({ realm: 'voxgate', algorithm });
    const client = new DigestClient({ username: 'alice', password: 's3cret' });
    const headers = new SipHeaders([['WWW-Authenticate', server.challenge()]]);
    const answer = client.answer({ status: 401, headers }, { method: 'INVITE', uri: 'sip:bob@voxgate' });
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.header).toBe('authorization');
    expect(server.verify(answer.value, { method: 'INVITE' }, lookup)).toMatchObject({ ok: true, username: 'alice' });
    // the same credentials again are a replay; the next nc from the client is fine
    expect(server.verify(answer.value, { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'replay' });
    const next = client.sign(answer.challenge, { method: 'BYE', uri: 'sip:bob@voxgate' });
    expect(parseCredentials(next)?.nc).toBe('00000002');
    expect(server.verify(next, { method: 'BYE' }, lookup).ok).toBe(true);
  });

  it('qop=auth-int covers the body', () => {
    const server = new DigestServer({ realm: 'voxgate', qop: ['auth-int'] });
    const client = new DigestClient({ username: 'alice', password: 's3cret' });
    const body = Buffer.from('v=0\r\n');
    const a = client.answer({ status: 407, headers: new SipHeaders([['Proxy-Authenticate', server.challenge()]]) }, { method: 'INVITE', uri: 'sip:b@v', body });
    if (!a.ok) throw new Error(a.reason);
    expect(a.header).toBe('proxy-authorization');
    expect(server.verify(a.value, { method: 'INVITE', body: Buffer.from('tampered') }, lookup)).toEqual({ ok: false, reason: 'bad-response' });
    expect(server.verify(a.value, { method: 'INVITE', body }, lookup).ok).toBe(true);
  });

  it('wrong password, unknown user, foreign nonce, wrong realm, wrong method', () => {
    const server = new DigestServer({ realm: 'voxgate' });
    const challenge = parseChallenges(server.challenge())[0];
    const sign = (password: string, username = 'alice'): string =>
      buildAuthorization(challenge, { username, password }, { method: 'INVITE', uri: 'sip:b@v' });
    expect(server.verify(sign('nope'), { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'bad-response' });
    expect(server.verify(sign('x', 'mallory'), { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'unknown-user' });
    expect(server.verify(sign('s3cret'), { method: 'BYE' }, lookup)).toEqual({ ok: false, reason: 'bad-response' });
    const foreign = buildAuthorization({ ...challenge, nonce: 'made-up' }, { username: 'alice', password: 's3cret' }, { method: 'INVITE', uri: 'sip:b@v' });
    expect(server.verify(foreign, { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
    const other = buildAuthorization({ ...challenge, realm: 'other' }, { username: 'alice', password: 's3cret' }, { method: 'INVITE', uri: 'sip:b@v' });
    expect(server.verify(other, { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'realm' });
    expect(server.verify('Basic YWxpY2U6eA==', { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'malformed' });
    expect(server.verify(undefined, { method: 'INVITE' }, lookup)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('an expired nonce with the right password is stale; the client retries after stale=true', () => {
    let now = 1_000_000;
    const server = new DigestServer({ realm: 'voxgate', nonceTtlMs: 60_000, now: () => now });
    const client = new DigestClient({ username: 'alice', password: 's3cret' });
    const first = client.answer({ status: 401, headers: new SipHeaders([['WWW-Authenticate', server.challenge()]]) }, { method: 'REGISTER', uri: 'sip:voxgate' });
    if (!first.ok) throw new Error(first.reason);
    now += 61_000;
    expect(server.verify(first.value, { method: 'REGISTER' }, lookup)).toEqual({ ok: false, reason: 'stale' });
    expect(server.verify(buildAuthorization(first.challenge, { username: 'alice', password: 'bad' }, { method: 'REGISTER', uri: 'sip:voxgate' }), { method: 'REGISTER' }, lookup)).toEqual({
      ok: false,
      reason: 'bad-response',
    });
    const again = client.answer({ status: 401, headers: new SipHeaders([['WWW-Authenticate', server.challenge(true)]]) }, { method: 'REGISTER', uri: 'sip:voxgate' });
    expect(again.ok && server.verify(again.value, { method: 'REGISTER' }, lookup).ok).toBe(true);
  });

  it('the client gives up when the same nonce is refused without stale', () => {
    const value = createChallenge({ realm: 'r', nonce: 'fixed' });
    const client = new DigestClient({ username: 'alice', password: 'wrong' });
    const res = { status: 401, headers: new SipHeaders([['WWW-Authenticate', value]]) };
    expect(client.answer(res, { method: 'INVITE', uri: 'sip:x' }).ok).toBe(true);
    expect(client.answer(res, { method: 'INVITE', uri: 'sip:x' })).toEqual({ ok: false, reason: 'rejected' });
    expect(client.answer({ status: 401, headers: new SipHeaders() }, { method: 'INVITE', uri: 'sip:x' })).toEqual({ ok: false, reason: 'no-challenge' });
  });

  it('verifyAuthorization accepts a stored H(A1) instead of the password', () => {
    const c = parseChallenges(createChallenge({ realm: 'r', nonce: 'n1', algorithm: 'SHA-256' }))[0];
    const value = buildAuthorization(c, { username: 'alice', password: 's3cret' }, { method: 'INVITE', uri: 'sip:x' });
    const ha1 = createHash('sha256').update('alice:r:s3cret').digest('hex');
    expect(verifyAuthorization(value, { method: 'INVITE', realm: 'r', lookup: () => ({ ha1 }) }).ok).toBe(true);
  });
});
