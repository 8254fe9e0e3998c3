import type { SipResponse } from '../../sip/message/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SipError } from '../../sip/ua/errors.js';
import type { Dialog } from '../../sip/ua/dialog.js';
import type { DialogDestroyReason } from '../../sip/ua/dialog-types.js';
import { createAnswer } from '../../sip/sdp/index.js';
import { advance, countSent, makePair, media, offer, rawPeer, tick, type Pair } from './ua-fixtures.js';
import { answered, refusal } from '../helpers/sip.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.alice.close(0);
  await pair?.bob.close(0);
  pair = undefined;
});

/** Bob answers every INVITE: 180, then 200 with an SDP answer. */
function answering(p: Pair, dialogs: Dialog[] = []): Dialog[] {
  p.bob.on('invite', (req, res) => {
    res.send(180);
    const answer = createAnswer(req.sdp ?? '', media(50000));
    if (!answer.ok) return void res.send(488);
    void p.bob.createUAS(req, res, { localSdp: answer.sdp }).then((d) => dialogs.push(d), () => undefined);
  });
  return dialogs;
}

function destroyedReason(dialog: Dialog): Promise<DialogDestroyReason> {
  return new Promise((resolve) => dialog.on('destroyed', resolve));
}

describe('INVITE dialogs over the loopback transport', () => {
  it('answers with a Contact whose user part is escaped only where a URI needs it', async () => {
    pair = await makePair();
    answering(pair);
    const contacts = async (target: string): Promise<string[]> => {
      pair!.bobWire.sent.length = 0;
      answered(await pair!.alice.createUAC(target, { localSdp: offer() }));
      return pair!.bobWire.sent.filter((p) => p.firstLine.startsWith('SIP/2.0 200')).map((p) => /\r\nContact: ([^\r]*)/i.exec(p.data.toString())?.[1] ?? '');
    };
    expect(await contacts(pair.bobUri)).toEqual(['<sip:+15550002222@127.0.0.2:5060>']);
    expect(await contacts('sip:sales%20desk;x=%C3%A9@127.0.0.2:5060')).toEqual(['<sip:sales%20desk%3Bx%3D%C3%A9@127.0.0.2:5060>']);
  });

  it('puts the headers given to createUAS on the 200, and none when none are given', async () => {
    pair = await makePair();
    let extra: Record<string, string> | undefined = { 'X-Call-Tag': 'abc', Contact: '<sip:desk@127.0.0.2:5060>' };
    pair.bob.on('invite', (req, res) => void pair!.bob.createUAS(req, res, { localSdp: 'v=0\r\n', headers: extra }).catch(() => undefined));
    const ok200 = async (): Promise<string> => {
      pair!.bobWire.sent.length = 0;
      answered(await pair!.alice.createUAC(pair!.bobUri, { localSdp: offer() }));
      return pair!.bobWire.sent.find((p) => p.firstLine.startsWith('SIP/2.0 200'))?.data.toString() ?? '';
    };
    const withHeaders = await ok200();
    expect(withHeaders).toMatch(/\r\nX-Call-Tag: abc\r\n/i);
    expect(withHeaders.match(/\r\nContact: [^\r]*/gi)).toEqual(['\r\nContact: <sip:desk@127.0.0.2:5060>']);
    extra = undefined;
    const plain = await ok200();
    expect(plain).not.toMatch(/X-Call-Tag/i);
    expect(plain.match(/\r\nContact: [^\r]*/gi)).toHaveLength(1);
  });

  it('sets up a call (180/200/ACK: an INVITE answered at once needs no 100) and tears it down with BYE', async () => {
    pair = await makePair();
    const bobDialogs = answering(pair);
    const provisional: number[] = [];
    const dialog = answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer(), callingNumber: '+15550001111' }, { onProvisional: (r) => provisional.push(r.status) }));
    await tick();
    expect(provisional).toEqual([180]);
    expect(bobDialogs).toHaveLength(1);
    const bobDialog = bobDialogs[0];
    expect(bobDialog.id.callId).toBe(dialog.id.callId);
    expect(bobDialog.id.localTag).toBe(dialog.id.remoteTag);
    expect(dialog.remoteSdp).toContain('m=audio 50000');
    expect(bobDialog.remoteSdp).toContain('m=audio 40000');
    const bobEnded = destroyedReason(bobDialog);
    let byeSeen = false;
    bobDialog.on('bye', () => (byeSeen = true));
    await dialog.bye();
    expect(await bobEnded).toBe('bye-received');
    expect(byeSeen).toBe(true);
    expect(dialog.destroyReason).toBe('bye-sent');
    expect(pair.alice.stats().dialogs).toBe(0);
    expect(pair.bob.stats().dialogs).toBe(0);
    await advance(pair.clock, 40_000, 1000);
    expect(pair.alice.stats().transactions).toEqual({ server: 0, client: 0 });
    expect(pair.bob.stats().transactions).toEqual({ server: 0, client: 0 });
    expect(pair.bob.stats().pendingInvites).toBe(0);
  });

  it('refuses an in-dialog BYE from a third party that is neither the peer nor allowed (403), and the call goes on', async () => {
    pair = await makePair({}, { accept: (source) => source.address === '127.0.0.1' });
    const bobDialogs = answering(pair);
    const dialog = answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    await tick();
    const bobDialog = bobDialogs[0];
    const raw = await rawPeer(pair.net, '127.0.0.66');
    await raw.send(`BYE sip:+15550002222@127.0.0.2:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.66:5060;branch=z9hG4bKspoof;rport
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=${dialog.id.localTag}
To: <sip:+15550002222@127.0.0.2>;tag=${dialog.id.remoteTag}
Call-ID: ${dialog.id.callId}
CSeq: 99 BYE
Content-Length: 0

`);
    await tick();
    expect((raw.received as SipResponse[]).map((m) => m.status)).toEqual([403]);
    expect(bobDialog.isTerminated).toBe(false);
    await dialog.bye();
    expect(bobDialog.isTerminated).toBe(true);
  });

  it('puts the From user and Contact of an outbound call from callingNumber', async () => {
    pair = await makePair();
    let from = '';
    let contact = '';
    pair.bob.on('invite', (req, res) => {
      from = req.get('from') ?? '';
      contact = req.get('contact') ?? '';
      res.send(603);
    });
    expect(refusal(await pair.alice.createUAC(pair.bobUri, { callingNumber: '+15550001111' }))).toBeInstanceOf(SipError);
    expect(from).toMatch(/^<sip:\+15550001111@127\.0\.0\.1>;tag=/);
    expect(contact).toBe('<sip:+15550001111@127.0.0.1:5060>');
  });

  it('rejects a non-2xx final response with a typed error carrying the status', async () => {
    pair = await makePair();
    pair.bob.on('invite', (_req, res) => res.send(486));
    const error = refusal(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    expect(error).toBeInstanceOf(SipError);
    expect((error as SipError).code).toBe('SIP_REJECTED');
    expect((error as SipError).status).toBe(486);
    expect((error as SipError).reason).toBe('Busy Here');
    // The INVITE client transaction ACKed the 486 (§17.1.1.3).
    expect(countSent(pair.aliceWire, 'ACK')).toBe(1);
  });

  it('answers 480 when no invite listener is registered', async () => {
    pair = await makePair();
    expect(refusal(await pair.alice.createUAC(pair.bobUri))).toMatchObject({ status: 480 });
  });

  it('cancels a ringing call: 200 to the CANCEL, 487 to the INVITE, cancel event at the UAS', async () => {
    pair = await makePair();
    let canceled = false;
    pair.bob.on('invite', (req, res) => {
      res.send(180);
      req.on('cancel', () => (canceled = true));
    });
    const abort = new AbortController();
    const call = pair.alice.createUAC(pair.bobUri, { localSdp: offer(), signal: abort.signal }, { onProvisional: (r) => r.status === 180 && abort.abort() });
    const error = refusal(await call);
    expect((error as SipError).code).toBe('SIP_CANCELED');
    expect((error as SipError).status).toBe(487);
    expect(canceled).toBe(true);
    expect(countSent(pair.aliceWire, 'CANCEL')).toBe(1);
    expect(countSent(pair.bobWire, 'SIP/2.0 487')).toBe(1);
  });

  it('rejects createUAS when the caller cancels before the answer', async () => {
    pair = await makePair();
    let uasError: unknown;
    const abort = new AbortController();
    pair.bob.on('invite', (req, res) => {
      res.send(180);
      req.on('cancel', () => {
        pair?.bob.createUAS(req, res, { localSdp: 'x' }).catch((e: unknown) => (uasError = e));
      });
    });
    const call = pair.alice.createUAC(pair.bobUri, { signal: abort.signal }, { onProvisional: (r) => r.status === 180 && abort.abort() });
    await call;
    await tick();
    expect((uasError as SipError).code).toBe('SIP_CANCELED');
  });

  it('recovers from a lost INVITE and a lost 200 by retransmission', async () => {
    pair = await makePair();
    answering(pair);
    let invitesDropped = 0;
    let oksDropped = 0;
    pair.aliceWire.faults.drop = (p) => p.firstLine.startsWith('INVITE') && invitesDropped++ === 0;
    pair.bobWire.faults.drop = (p) => p.firstLine.startsWith('SIP/2.0 200') && oksDropped++ === 0;
    const call = pair.alice.createUAC(pair.bobUri, { localSdp: offer() });
    await advance(pair.clock, 3000);
    const dialog = answered(await call);
    expect(dialog.isTerminated).toBe(false);
    expect(countSent(pair.aliceWire, 'INVITE')).toBe(2); // Timer A retransmission
    expect(countSent(pair.bobWire, 'SIP/2.0 200')).toBeGreaterThanOrEqual(2); // §13.3.1.4 retransmission
  });

  it('re-sends the ACK when the 200 is retransmitted because the first ACK was lost', async () => {
    pair = await makePair();
    const bobDialogs = answering(pair);
    let acksDropped = 0;
    pair.aliceWire.faults.drop = (p) => p.firstLine.startsWith('ACK') && acksDropped++ === 0;
    answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    expect(bobDialogs).toHaveLength(0);
    await advance(pair.clock, 1000);
    expect(bobDialogs).toHaveLength(1);
    expect(countSent(pair.aliceWire, 'ACK')).toBe(2);
  });

  it('holds a 2xx retransmission that falls due while the UA is behind, then sends it if the ACK still has not come', async () => {
    pair = await makePair();
    answering(pair);
    pair.aliceWire.faults.drop = (p) => p.firstLine.startsWith('ACK');
    answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    expect(countSent(pair.bobWire, 'SIP/2.0 200')).toBe(1);
    // The loop is blocked for 900 ms: Timer G (T1 = 500 ms) fires 400 ms late and waits as long again.
    pair.clock.stall(900);
    await advance(pair.clock, 300, 100);
    expect(countSent(pair.bobWire, 'SIP/2.0 200')).toBe(1);
    await advance(pair.clock, 200, 100);
    expect(countSent(pair.bobWire, 'SIP/2.0 200')).toBe(2);
  });

  it('ends the dialog with BYE when no ACK arrives within 64·T1 (§13.3.1.4)', async () => {
    pair = await makePair();
    let uasError: unknown;
    let reason: DialogDestroyReason | undefined;
    pair.bob.on('invite', (req, res) => {
      pair?.bob.createUAS(req, res, { localSdp: 'v=0' }).catch((e: unknown) => (uasError = e));
    });
    pair.aliceWire.faults.drop = (p) => p.firstLine.startsWith('ACK');
    const dialog = answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    dialog.on('destroyed', (r) => (reason = r));
    await advance(pair.clock, 32_500, 500);
    expect((uasError as SipError).code).toBe('SIP_ACK_TIMEOUT');
    expect(countSent(pair.bobWire, 'BYE')).toBe(1);
    expect(reason).toBe('bye-received');
  });

  it('ACKs and hangs up a 2xx that crosses the CANCEL', async () => {
    pair = await makePair();
    const abort = new AbortController();
    pair.bob.on('invite', (req, res) => {
      res.send(180);
      void pair?.bob.createUAS(req, res, { localSdp: 'v=0' }).catch(() => undefined);
    });
    // Bob's 200 is already on its way when Alice cancels after the 180.
    pair.aliceWire.faults.drop = (p) => p.firstLine.startsWith('CANCEL');
    const call = pair.alice.createUAC(pair.bobUri, { signal: abort.signal }, { onProvisional: (r) => r.status === 180 && abort.abort() });
    const error = refusal(await call);
    expect((error as SipError).code).toBe('SIP_CANCELED');
    await tick();
    expect(countSent(pair.aliceWire, 'ACK')).toBe(1);
    expect(countSent(pair.aliceWire, 'BYE')).toBe(1);
  });

  it('runs the same call over a reliable transport without retransmissions', async () => {
    pair = await makePair({}, {}, 'tcp');
    answering(pair);
    const dialog = answered(await pair.alice.createUAC(pair.bobUri, { localSdp: offer() }));
    await advance(pair.clock, 5000);
    expect(countSent(pair.bobWire, 'SIP/2.0 200')).toBe(1);
    await dialog.bye();
  });
});

describe('bounded waits', () => {
  it('gives up 64·T1 after a CANCEL that the callee never answers (§9.1)', async () => {
    pair = await makePair();
    pair.bob.on('invite', (_req, res) => res.send(180));
    // After the 180, Bob's messages are lost: neither the 200 to the CANCEL nor a 487 arrive.
    let rang = false;
    pair.bobWire.faults.drop = (p) => rang || ((rang = p.firstLine.startsWith('SIP/2.0 180')) && false);
    const call = pair.alice.createUAC(pair.bobUri, { ringTimeoutMs: 5000 }).then(refusal);
    await advance(pair.clock, 5000 + 32_000 + 1000, 500);
    expect(await call).toMatchObject({ code: 'SIP_CANCELED' });
    expect(countSent(pair.aliceWire, 'CANCEL')).toBeGreaterThanOrEqual(1);
    await advance(pair.clock, 40_000, 1000);
    expect(pair.alice.stats().transactions).toEqual({ server: 0, client: 0 });
  });

  it('cancels a re-INVITE that only rings and ends the dialog when it times out (§14.1)', async () => {
    pair = await makePair();
    const p = pair;
    const bobDialogs: Dialog[] = [];
    p.bob.on('invite', (req, res) => void p.bob.createUAS(req, res, { localSdp: 'v=0\r\n' }).then((d) => bobDialogs.push(d)));
    const dialog = answered(await p.alice.createUAC(p.bobUri, { localSdp: offer() }));
    await tick();
    bobDialogs[0].on('modify', (_req, res) => res.send(180));
    // Bob's final answers to the re-INVITE (the guard's 500, the 487 after CANCEL) are lost.
    p.bobWire.faults.drop = (pkt) => /^SIP\/2\.0 (500|487)/.test(pkt.firstLine);
    const modify = dialog.modify(offer(40000, 'sendonly', 2)).catch((e: unknown) => e);
    await advance(p.clock, 2 * 32_000 + 2000, 500);
    expect(await modify).toMatchObject({ code: 'SIP_TIMEOUT', status: 408 });
    expect(countSent(p.aliceWire, 'CANCEL')).toBeGreaterThanOrEqual(1);
    expect(dialog.destroyReason).toBe('transport-error');
  });
});

describe('early media', () => {
  it('reports a 183 with its SDP body to onProvisional', async () => {
    pair = await makePair();
    const p = pair;
    const earlySdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\n';
    p.bob.on('invite', (req, res) => {
      res.send(183, { body: earlySdp });
      void p.bob.createUAS(req, res, { localSdp: 'v=0\r\n' });
    });
    const early: string[] = [];
    answered(await p.alice.createUAC(p.bobUri, { localSdp: offer() }, { onProvisional: (r) => r.status === 183 && early.push(`${r.headers.get('content-type')} ${r.body.length}`) }));
    expect(early).toEqual([`application/sdp ${earlySdp.length}`]);
  });
});
