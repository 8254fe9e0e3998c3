import { afterEach, describe, expect, it } from 'vitest';
import { DigestServer } from '../../sip/digest/index.js';
import type { IncomingRequest, ServerResponse } from '../../sip/ua/incoming.js';
import { advance, countSent, makePair, offer, tick, type Pair } from './ua-fixtures.js';
import { answered, refusal } from '../helpers/sip.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.alice.close(0);
  await pair?.bob.close(0);
  pair = undefined;
});

const PASSWORDS: Record<string, string> = { trunkuser: 's3cret' };

/** A UAS (or proxy, with 407) that challenges before letting a request through. */
function challenger(status: 401 | 407): (req: IncomingRequest, res: ServerResponse) => boolean {
  const server = new DigestServer({ realm: 'voxgate.test' });
  const header = status === 401 ? 'authorization' : 'proxy-authorization';
  const challengeHeader = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return (req, res) => {
    const result = server.verify(req.get(header), { method: req.method, body: req.body }, (user) => PASSWORDS[user]);
    if (result.ok) return true;
    res.send(status, { headers: { [challengeHeader]: server.challenge(result.reason === 'stale') } });
    return false;
  };
}

describe('digest authentication (RFC 3261 §22, RFC 7616)', () => {
  it('retries an INVITE with Authorization after a 401 and sets up the call', async () => {
    pair = await makePair();
    const p = pair;
    const check = challenger(401);
    const authorized: string[] = [];
    p.bob.on('invite', (req, res) => {
      if (!check(req, res)) return;
      authorized.push(req.get('authorization') ?? '');
      void p.bob.createUAS(req, res, { localSdp: 'v=0' });
    });
    const dialog = answered(await p.alice.createUAC(p.bobUri, { localSdp: offer(), auth: { username: 'trunkuser', password: 's3cret' } }));
    expect(authorized[0]).toMatch(/^Digest username="trunkuser", realm="voxgate.test"/);
    expect(countSent(p.aliceWire, 'INVITE')).toBe(2);
    expect(countSent(p.aliceWire, 'ACK')).toBe(2); // one for the 401 (transaction), one for the 200 (UAC core)
    const inviteCseqs = p.aliceWire.sent.filter((s) => s.firstLine.startsWith('INVITE')).map((s) => /CSeq: (\d+)/.exec(s.data.toString())?.[1]);
    expect(inviteCseqs).toEqual(['1', '2']);
    // §13.2.2.4: the ACK for the 2xx carries the same credentials as the INVITE.
    expect(p.aliceWire.sent.at(-1)?.data.toString()).toContain('Authorization: Digest');
    await dialog.bye();
  });

  it('answers a 407 with Proxy-Authorization', async () => {
    pair = await makePair();
    const p = pair;
    const check = challenger(407);
    p.bob.on('invite', (req, res) => {
      if (check(req, res)) void p.bob.createUAS(req, res, { localSdp: 'v=0' });
    });
    const dialog = answered(await p.alice.createUAC(p.bobUri, { auth: { username: 'trunkuser', password: 's3cret' } }));
    expect(dialog.isTerminated).toBe(false);
  });

  it('gives up with the 401 when the password is wrong', async () => {
    pair = await makePair();
    const p = pair;
    const check = challenger(401);
    p.bob.on('invite', (req, res) => {
      if (check(req, res)) void p.bob.createUAS(req, res, { localSdp: 'v=0' });
    });
    expect(refusal(await p.alice.createUAC(p.bobUri, { auth: { username: 'trunkuser', password: 'wrong' } }))).toMatchObject({ status: 401, code: 'SIP_REJECTED' });
    expect(countSent(p.aliceWire, 'INVITE')).toBe(2);
  });

  it('authenticates out-of-dialog requests', async () => {
    pair = await makePair();
    const check = challenger(401);
    pair.bob.on('request', (req, res) => {
      if (check(req, res)) res.send(200);
    });
    const response = await pair.alice.request(pair.bobUri, { method: 'MESSAGE', body: 'hi', contentType: 'text/plain', auth: { username: 'trunkuser', password: 's3cret' } });
    expect(response.status).toBe(200);
  });
});

describe('REGISTER client (RFC 3261 §10.2)', () => {
  /** A registrar that challenges, insists on at least 120 s, and grants what is asked. */
  function registrar(p: Pair): string[] {
    const check = challenger(401);
    const log: string[] = [];
    p.bob.on('request', (req, res) => {
      if (req.method !== 'REGISTER' || !check(req, res)) return;
      const expires = Number(req.get('expires'));
      log.push(`${req.get('cseq')} expires=${expires}`);
      if (expires !== 0 && expires < 120) return void res.send(423, { headers: { 'Min-Expires': '120' } });
      res.send(200, { headers: { Contact: `${req.get('contact')?.replace(/;expires=\d+/, '')};expires=${expires}` } });
    });
    return log;
  }

  it('registers with digest, honours 423 Min-Expires, refreshes before expiry and unregisters', async () => {
    pair = await makePair();
    const log = registrar(pair);
    const registration = pair.alice.register({ registrar: 'sip:127.0.0.2:5060', aor: 'sip:trunkuser@voxgate.test', auth: { username: 'trunkuser', password: 's3cret' }, expires: 60 });
    const granted: number[] = [];
    registration.on('registered', (e) => granted.push(e));
    await registration.ready;
    expect(registration.registered).toBe(true);
    expect(log).toEqual(['2 REGISTER expires=60', '3 REGISTER expires=120']);
    expect(granted).toEqual([120]);
    await advance(pair.clock, 91_000, 1000); // refresh at max(expires/2, expires−30 s) = 90 s
    expect(granted).toEqual([120, 120]);
    await registration.stop();
    expect(log.at(-1)).toMatch(/REGISTER expires=0$/);
    expect(registration.registered).toBe(false);
  });

  it('reports a failure and keeps retrying with backoff', async () => {
    pair = await makePair();
    let attempts = 0;
    pair.bob.on('request', (_req, res) => {
      attempts++;
      res.send(403);
    });
    const registration = pair.alice.register({ registrar: 'sip:127.0.0.2', aor: 'sip:u@voxgate.test' });
    const failures: number[] = [];
    registration.on('failed', (e) => failures.push(e.status));
    await expect(registration.ready).rejects.toMatchObject({ status: 403 });
    await advance(pair.clock, 31_000, 1000);
    expect(attempts).toBe(2);
    expect(failures).toEqual([403, 403]);
    await registration.stop();
    await advance(pair.clock, 120_000, 10_000);
    expect(attempts).toBe(2);
    await tick();
  });
});
