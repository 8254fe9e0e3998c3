import { afterEach, describe, expect, it } from 'vitest';
import type { SipResponse } from '../../sip/message/types.js';
import { makePair, rawPeer, tick, type Pair } from './ua-fixtures.js';
import { refusal } from '../helpers/sip.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.alice.close(0);
  await pair?.bob.close(0);
  pair = undefined;
});

function invite(branch: string, extra = '', cseq = 1, contact = 'Contact: <sip:raw@127.0.0.9:5060>\n'): string {
  return `INVITE sip:bob@127.0.0.2:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.9:5060;branch=${branch};rport
Max-Forwards: 70
From: <sip:raw@127.0.0.9>;tag=raw1
To: <sip:bob@127.0.0.2>
Call-ID: raw-call-1
CSeq: ${cseq} INVITE
${contact}${extra}Content-Length: 0

`;
}

function statuses(received: unknown[]): number[] {
  return (received as SipResponse[]).filter((m) => m.kind === 'response').map((m) => m.status);
}

describe('UA core request checks (RFC 3261 §8.2, §12.2.2, §9.2)', () => {
  it('answers OPTIONS with 200, Allow, Accept and Supported', async () => {
    pair = await makePair();
    const response = await pair.alice.request(pair.bobUri, { method: 'OPTIONS' });
    expect(response.status).toBe(200);
    expect(response.headers.getAll('allow').join(',')).toMatch(/INVITE.*BYE.*UPDATE.*REFER/);
    expect(response.headers.get('accept')).toBe('application/sdp');
    expect(response.headers.get('supported')).toBe('timer');
  });

  it('answers OPTIONS with the status the application chooses (503 while a node drains), back to 200 after', async () => {
    let draining = true;
    pair = await makePair({}, { optionsStatus: () => (draining ? 503 : 200) });
    expect((await pair.alice.request(pair.bobUri, { method: 'OPTIONS' })).status).toBe(503);
    draining = false;
    expect((await pair.alice.request(pair.bobUri, { method: 'OPTIONS' })).status).toBe(200);
  });

  it('answers 501 to an unknown method and 405 to a known one nobody handles', async () => {
    pair = await makePair();
    expect((await pair.alice.request(pair.bobUri, { method: 'FROBNICATE' })).status).toBe(501);
    const message = await pair.alice.request(pair.bobUri, { method: 'MESSAGE', body: 'hi', contentType: 'text/plain' });
    expect(message.status).toBe(405);
    expect(message.headers.get('allow')).toContain('INVITE');
  });

  it('hands other out-of-dialog requests to the request listener', async () => {
    pair = await makePair();
    pair.bob.on('request', (req, res) => res.send(req.method === 'MESSAGE' ? 202 : 403));
    expect((await pair.alice.request(pair.bobUri, { method: 'MESSAGE', body: 'hi', contentType: 'text/plain' })).status).toBe(202);
  });

  it('answers 420 with Unsupported for a Require it does not support', async () => {
    pair = await makePair();
    const response = await pair.alice.request(pair.bobUri, { method: 'OPTIONS', headers: { Require: '100rel, timer' } });
    expect(response.status).toBe(420);
    expect(response.headers.get('unsupported')).toBe('100rel');
  });

  it('answers 481 to a BYE outside any dialog and to an in-dialog request for an unknown dialog', async () => {
    pair = await makePair();
    expect((await pair.alice.request(pair.bobUri, { method: 'BYE' })).status).toBe(481);
    const info = await pair.alice.request(pair.bobUri, { method: 'INFO', headers: { To: '<sip:bob@127.0.0.2>;tag=nope' } });
    expect(info.status).toBe(481);
  });

  it('answers 481 to a CANCEL that matches no INVITE', async () => {
    pair = await makePair();
    expect((await pair.alice.request(pair.bobUri, { method: 'CANCEL' })).status).toBe(481);
  });

  it('answers 403 to sources the accept hook refuses, without a 100 Trying first', async () => {
    pair = await makePair({}, { accept: (source) => source.address !== '127.0.0.1' });
    pair.bob.on('invite', (_req, res) => res.send(486));
    const provisional: number[] = [];
    expect(refusal(await pair.alice.createUAC(pair.bobUri, {}, { onProvisional: (r) => provisional.push(r.status) }))).toMatchObject({ status: 403 });
    pair.clock.advance(1000);
    expect(provisional).toEqual([]);
    expect((await pair.alice.request(pair.bobUri, { method: 'OPTIONS' })).status).toBe(403);
  });

  it('answers 482 to a merged request that arrives over a second path (§8.2.2.2)', async () => {
    pair = await makePair();
    pair.bob.on('invite', (_req, res) => res.send(180));
    const raw = await rawPeer(pair.net);
    await raw.send(invite('z9hG4bKpath1'));
    await raw.send(invite('z9hG4bKpath2'));
    await tick();
    expect(statuses(raw.received)).toEqual([180, 482]);
  });

  it('answers 400 to an INVITE without Contact, and 415 to a body it cannot read', async () => {
    pair = await makePair();
    pair.bob.on('invite', (_req, res) => res.send(486));
    const raw = await rawPeer(pair.net);
    await raw.send(invite('z9hG4bKnocontact', '', 1, ''));
    await tick();
    await raw.send(invite('z9hG4bKbody', 'Content-Type: text/html\n', 2).replace('Content-Length: 0', 'Content-Length: 4').replace(/\r?\n\r?\n$/, '\n\n<b/>'));
    await tick();
    const finals = (raw.received as SipResponse[]).filter((m) => m.status >= 200);
    expect(finals.map((m) => m.status)).toEqual([400, 415]);
    expect(finals[0].reason).toBe('Bad Contact');
    expect(finals[1].headers.get('accept')).toBe('application/sdp');
  });

  it('answers an unparseable request with 400 and a reason, and drops garbage', async () => {
    pair = await makePair();
    const raw = await rawPeer(pair.net);
    await raw.send(invite('z9hG4bKbadcseq').replace('CSeq: 1 INVITE', 'CSeq: one INVITE'));
    await raw.send('\u0000\u0001 this is not SIP\n\n');
    await tick();
    // The 400 echoes the malformed CSeq, so look at what Bob sent rather than parse it back.
    expect(pair.bobWire.sent.map((p) => p.firstLine)).toEqual(['SIP/2.0 400 Bad Request (malformed CSeq)']);
    expect(pair.bobWire.sent[0].destination).toMatchObject({ address: '127.0.0.9', port: 5060 });
    expect(pair.bob.stats().transport.rejected).toBe(1);
    expect(pair.bob.stats().transport.dropped).toBe(1);
  });

  it('stamps received and rport on the top Via and answers the source port (RFC 3581)', async () => {
    pair = await makePair();
    pair.bob.on('invite', (_req, res) => res.send(486));
    const raw = await rawPeer(pair.net);
    await raw.send(invite('z9hG4bKrport').replace('127.0.0.9:5060;branch', '192.0.2.1:5099;branch'));
    await tick();
    const first = raw.received[0] as SipResponse;
    expect(first.headers.get('via')).toBe('SIP/2.0/UDP 192.0.2.1:5099;branch=z9hG4bKrport;rport=5060;received=127.0.0.9');
  });

  it('answers 422 with Min-SE when Session-Expires is below our minimum (RFC 4028 §9)', async () => {
    pair = await makePair({}, { sessionTimer: { interval: 1800, minSE: 300 } });
    pair.bob.on('invite', (_req, res) => res.send(486));
    const raw = await rawPeer(pair.net);
    await raw.send(invite('z9hG4bKse', 'Supported: timer\nSession-Expires: 120\n'));
    await tick();
    const final = (raw.received as SipResponse[]).find((m) => m.status >= 200);
    expect(final?.status).toBe(422);
    expect(final?.headers.get('min-se')).toBe('300');
  });

  it('answers 480 when the application never answers an INVITE', async () => {
    pair = await makePair({}, { inviteTimeoutMs: 5000 });
    pair.bob.on('invite', () => undefined);
    const call = pair.alice.createUAC(pair.bobUri).then(refusal);
    for (let i = 0; i < 60; i++) {
      pair.clock.advance(100);
      await tick(2);
    }
    expect(await call).toMatchObject({ status: 480 });
  });
});
