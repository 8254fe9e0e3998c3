import { afterEach, describe, expect, it } from 'vitest';
import { answerDirection, createAnswer, readSession } from '../../sip/sdp/index.js';
import type { Dialog } from '../../sip/ua/dialog.js';
import type { DialogDestroyReason, DtmfRelay } from '../../sip/ua/dialog-types.js';
import type { ReferSubscription } from '../../sip/ua/refer.js';
import { advance, countSent, makePair, media, offer, tick, type Extra, type Pair } from './ua-fixtures.js';
import { answered } from '../helpers/sip.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.alice.close(0);
  await pair?.bob.close(0);
  pair = undefined;
});

/** A connected call; Bob answers offers (initial and re-INVITE) with the mirrored direction. */
async function connected(aliceOpts: Extra = {}, bobOpts: Extra = {}): Promise<{ alice: Dialog; bob: Dialog }> {
  pair = await makePair(aliceOpts, bobOpts);
  const p = pair;
  const bobDialog = new Promise<Dialog>((resolve) => {
    p.bob.on('invite', (req, res) => {
      const answer = createAnswer(req.sdp ?? '', media(50000));
      if (answer.ok) void p.bob.createUAS(req, res, { localSdp: answer.sdp }).then(resolve);
    });
  });
  const alice = answered(await p.alice.createUAC(p.bobUri, { localSdp: offer() }));
  const bob = await bobDialog;
  bob.on('modify', (req, res) => {
    const remote = readSession(req.sdp ?? '');
    const direction = 'code' in remote ? 'sendrecv' : answerDirection(remote.media[0].direction);
    const answer = createAnswer(req.sdp ?? '', media(50000, direction, 2));
    res.send(200, { body: answer.ok ? answer.sdp : '' });
  });
  return { alice, bob };
}

function direction(sdp: string | undefined): string | undefined {
  const session = readSession(sdp ?? '');
  return 'code' in session ? undefined : session.media[0].direction;
}

describe('re-INVITE and UPDATE (RFC 3261 §14, RFC 3311)', () => {
  it('puts the call on hold and takes it off again with re-INVITE', async () => {
    const { alice, bob } = await connected();
    const answer = await alice.modify(offer(40000, 'sendonly', 2));
    expect(direction(answer)).toBe('recvonly');
    expect(direction(bob.remoteSdp)).toBe('sendonly');
    const back = await alice.modify(offer(40000, 'sendrecv', 3));
    expect(direction(back)).toBe('sendrecv');
    expect(alice.remoteSdp).toBe(back);
    expect(countSent(pair!.aliceWire, 'ACK')).toBe(3);
  });

  it('answers a re-INVITE without a modify listener with the last local SDP', async () => {
    const { alice, bob } = await connected();
    bob.removeAllListeners();
    const answer = await alice.modify(offer(40000, 'sendrecv', 2));
    expect(answer).toBe(bob.localSdp);
  });

  it('answers glare with 491 and both sides succeed after the §14.1 delay', async () => {
    const { alice, bob } = await connected();
    alice.on('modify', (req, res) => res.send(200, { body: createAnswer(req.sdp ?? '', media(40000, 'sendrecv', 5)).ok ? alice.localSdp : '' }));
    const fromAlice = alice.modify(offer(40000, 'sendonly', 2));
    const fromBob = bob.modify(offer(50000, 'sendrecv', 3));
    await tick();
    expect(countSent(pair!.aliceWire, 'SIP/2.0 491')).toBe(1);
    expect(countSent(pair!.bobWire, 'SIP/2.0 491')).toBe(1);
    await advance(pair!.clock, 5000);
    await expect(fromAlice).resolves.toBeDefined();
    await expect(fromBob).resolves.toBeDefined();
  });

  it('keeps the session when a re-INVITE is refused, ends it on 481', async () => {
    const { alice, bob } = await connected();
    bob.removeAllListeners('modify');
    bob.on('modify', (_req, res) => res.send(488));
    await expect(alice.modify(offer(40000, 'sendrecv', 2))).rejects.toMatchObject({ status: 488 });
    expect(alice.isTerminated).toBe(false);
    bob.end('shutdown', false); // Bob forgets the dialog without telling Alice
    await expect(alice.modify(offer(40000, 'sendrecv', 3))).rejects.toMatchObject({ status: 481 });
    expect(alice.destroyReason).toBe('transport-error');
  });

  it('handles an UPDATE with an offer through the modify event', async () => {
    const { alice, bob } = await connected();
    const seen: string[] = [];
    bob.on('modify', (req) => seen.push(req.method));
    const response = await alice.request({ method: 'UPDATE', body: offer(40000, 'inactive', 2), contentType: 'application/sdp' });
    expect(response.status).toBe(200);
    expect(direction(response.body.toString())).toBe('inactive');
    expect(seen).toEqual(['UPDATE']);
  });

  it('rejects an in-dialog request with an out-of-order CSeq with 500', async () => {
    const { alice } = await connected();
    const first = await alice.request({ method: 'INFO', body: 'a', contentType: 'text/plain' });
    expect(first.status).toBe(200);
    alice.state.localSeq = 0;
    const late = await alice.request({ method: 'INFO', body: 'b', contentType: 'text/plain' });
    expect(late.status).toBe(500);
  });

  it('answers OPTIONS inside the dialog and 501 to unknown methods', async () => {
    const { alice } = await connected();
    expect((await alice.request({ method: 'OPTIONS' })).status).toBe(200);
    expect((await alice.request({ method: 'FOO' })).status).toBe(501);
  });
});

describe('INFO (application/dtmf-relay)', () => {
  it('surfaces the DTMF signal and duration', async () => {
    const { alice, bob } = await connected();
    const digits: Array<DtmfRelay | undefined> = [];
    bob.on('info', (_req, dtmf) => digits.push(dtmf));
    const response = await alice.info({ signal: '5', duration: 160 });
    expect(response.status).toBe(200);
    await alice.info({ body: 'Signal=#\r\n', contentType: 'application/dtmf-relay' });
    await alice.info({ body: 'hello', contentType: 'text/plain' });
    expect(digits).toEqual([{ signal: '5', duration: 160 }, { signal: '#' }, undefined]);
  });
});

describe('session timers (RFC 4028)', () => {
  it('the UAC refreshes at half the interval and the session survives', async () => {
    const { alice, bob } = await connected({}, { sessionTimer: { interval: 90, minSE: 90 } });
    let refreshes = 0;
    bob.on('refresh', () => refreshes++);
    expect(alice.sessionTimer.localRefresher).toBe(true);
    expect(alice.sessionTimer.interval).toBe(90);
    await advance(pair!.clock, 46_000, 1000);
    // Bob's 2xx listed UPDATE in Allow, so the refresh is an UPDATE without a body.
    expect(countSent(pair!.aliceWire, 'UPDATE')).toBe(1);
    await advance(pair!.clock, 100_000, 1000);
    expect(refreshes).toBeGreaterThanOrEqual(3);
    expect(bob.isTerminated).toBe(false);
    expect(alice.isTerminated).toBe(false);
  });

  it('sends BYE when the refresher stops refreshing', async () => {
    const { alice, bob } = await connected({}, { sessionTimer: { interval: 90, minSE: 90 } });
    const reasons: DialogDestroyReason[] = [];
    bob.on('destroyed', (r) => reasons.push(r));
    alice.on('destroyed', (r) => reasons.push(r));
    pair!.aliceWire.faults.drop = (p) => p.firstLine.startsWith('INVITE') || p.firstLine.startsWith('UPDATE');
    await advance(pair!.clock, 61_000, 1000);
    expect(reasons).toEqual(['session-expired', 'bye-received']);
  });

  it('retries with the Min-SE of a 422 (RFC 4028 §7.4)', async () => {
    const { alice } = await connected({ sessionTimer: { interval: 100, minSE: 90 } }, { sessionTimer: { interval: 1800, minSE: 300 } });
    expect(countSent(pair!.aliceWire, 'INVITE')).toBe(2);
    expect(alice.sessionTimer.interval).toBe(300);
  });

  it('acts as refresher when the UAC asks the UAS to, refreshing with UPDATE', async () => {
    const { alice, bob } = await connected({ sessionTimer: false }, {});
    expect(bob.sessionTimer.localRefresher).toBe(false);
    expect(alice.sessionTimer.active).toBe(false);
    await pair!.alice.close(0);
    await pair!.bob.close(0);
    pair = await makePair({ sessionTimer: false });
    const p = pair;
    const bobDialog = new Promise<Dialog>((resolve) => p.bob.on('invite', (req, res) => void p.bob.createUAS(req, res, { localSdp: 'v=0' }).then(resolve)));
    answered(await p.alice.createUAC(p.bobUri, { localSdp: offer(), headers: { 'Session-Expires': '120;refresher=uas' } }));
    const uas = await bobDialog;
    expect(uas.sessionTimer.localRefresher).toBe(true);
    await advance(p.clock, 61_000, 1000);
    expect(countSent(p.bobWire, 'UPDATE')).toBe(1);
    expect(uas.isTerminated).toBe(false);
  });
});

describe('REFER (RFC 3515)', () => {
  it('resolves with the final sipfrag status from NOTIFY', async () => {
    const { alice, bob } = await connected();
    let subscription: ReferSubscription | undefined;
    let target = '';
    bob.on('refer', (req, res) => {
      target = res.referTo;
      expect(req.get('referred-by')).toBe('<sip:agent@example.com>');
      subscription = res.accept();
    });
    const outcome = alice.refer('sip:+15550003333@example.com', { referredBy: 'sip:agent@example.com' });
    await tick();
    expect(target).toBe('sip:+15550003333@example.com');
    await subscription?.notify(180, 'Ringing');
    await subscription?.notify(486, 'Busy Here');
    expect(await outcome).toEqual({ status: 486, reason: 'Busy Here', stage: 'notify' });
    expect(countSent(pair!.bobWire, 'NOTIFY')).toBe(3); // 100 Trying, 180, 486
  });

  it('reports a refused REFER and times out cleanly without a final NOTIFY', async () => {
    const { alice, bob } = await connected({ referTimeoutMs: 10_000 });
    bob.once('refer', (_req, res) => res.reject(403));
    expect(await alice.refer('sip:x@example.com')).toMatchObject({ status: 403, stage: 'rejected' });
    bob.once('refer', (_req, res) => void res.accept());
    const pending = alice.refer('sip:x@example.com');
    await advance(pair!.clock, 10_500, 500);
    expect(await pending).toMatchObject({ status: 408, stage: 'timeout' });
  });

  it('resolves when the dialog ends before the final NOTIFY', async () => {
    const { alice, bob } = await connected();
    bob.on('refer', (_req, res) => {
      res.accept();
      void bob.bye();
    });
    expect(await alice.refer('sip:x@example.com')).toMatchObject({ stage: 'dialog-ended' });
  });

  it('answers 603 to a REFER when nobody listens', async () => {
    const { alice } = await connected();
    expect(await alice.refer('sip:x@example.com')).toMatchObject({ status: 603, stage: 'rejected' });
  });
});
