import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../sip/clock.js';
import type { ParseResult } from '../../sip/message/parse.js';
import { LoopbackNetwork } from '../../sip/transport/loopback.js';
import type { Source } from '../../sip/transport/types.js';
import { createAnswer } from '../../sip/sdp/index.js';
import { advance, countSent, makePair, media, offer, tick, type Pair } from './ua-fixtures.js';
import { answered } from '../helpers/sip.js';

const OPTIONS = Buffer.from('OPTIONS sip:b@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKl\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: l\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');

describe('loopback transport knobs (pjsip-style)', () => {
  async function endpoints() {
    const clock = new FakeClock();
    const net = new LoopbackNetwork(clock);
    const a = net.endpoint({ address: '127.0.0.1' });
    const b = net.endpoint({ address: '127.0.0.2' });
    const got: Array<{ result: ParseResult; source: Source }> = [];
    b.onMessage = (result, source) => got.push({ result, source });
    await a.listen();
    await b.listen();
    return { clock, a, b, got, to: { transport: 'udp' as const, ...b.local() } };
  }

  it('delivers asynchronously with the sender as source', async () => {
    const { a, got, to } = await endpoints();
    const sent = a.send(OPTIONS, to);
    expect(got).toHaveLength(0); // never inside the sender's call stack
    await sent;
    await tick();
    expect(got).toHaveLength(1);
    expect(got[0].result.ok).toBe(true);
    expect(got[0].source).toMatchObject({ address: '127.0.0.1', transport: 'udp' });
  });

  it('drops, duplicates, delays and fails on request', async () => {
    const { clock, a, got, to } = await endpoints();
    a.faults = { drop: () => true };
    await a.send(OPTIONS, to);
    a.faults = { duplicate: () => true };
    await a.send(OPTIONS, to);
    await tick();
    expect(got).toHaveLength(2);
    a.faults = { delayMs: 300 };
    await a.send(OPTIONS, to);
    await tick();
    expect(got).toHaveLength(2);
    clock.advance(300);
    await tick();
    expect(got).toHaveLength(3);
    a.faults = { fail: () => true };
    await expect(a.send(OPTIONS, to)).rejects.toMatchObject({ code: 'SIP_TRANSPORT_ERROR' });
  });
});

describe('a call over a hostile network', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.alice.close(0);
    await pair?.bob.close(0);
  });

  it('absorbs every message arriving twice: one INVITE for the application, one dialog', async () => {
    pair = await makePair();
    let invites = 0;
    const p = pair;
    p.bob.on('invite', (req, res) => {
      invites++;
      const answer = createAnswer(req.sdp ?? '', media(50000));
      if (answer.ok) void p.bob.createUAS(req, res, { localSdp: answer.sdp });
    });
    p.aliceWire.faults.duplicate = () => true;
    p.bobWire.faults.duplicate = () => true;
    const dialog = answered(await p.alice.createUAC(p.bobUri, { localSdp: offer() }));
    await tick();
    await dialog.bye();
    await tick();
    expect(invites).toBe(1);
    expect(p.bob.stats().dialogs).toBe(0);
    expect(countSent(p.aliceWire, 'BYE')).toBe(1);
  });

  it('sets up and ends a call with half of the first transmissions lost and 80 ms of delay', async () => {
    pair = await makePair();
    const p = pair;
    p.bob.on('invite', (req, res) => {
      res.send(180);
      const answer = createAnswer(req.sdp ?? '', media(50000));
      if (answer.ok) void p.bob.createUAS(req, res, { localSdp: answer.sdp });
    });
    const seen = new Map<string, number>();
    const lossy = (packet: { firstLine: string }): boolean => {
      const n = (seen.get(packet.firstLine) ?? 0) + 1;
      seen.set(packet.firstLine, n);
      return n === 1; // every distinct message loses its first copy
    };
    p.aliceWire.faults = { drop: lossy, delayMs: 80 };
    p.bobWire.faults = { drop: lossy, delayMs: 80 };
    const call = p.alice.createUAC(p.bobUri, { localSdp: offer() });
    await advance(p.clock, 5000, 50);
    const dialog = answered(await call);
    const bye = dialog.bye();
    await advance(p.clock, 5000, 50);
    await bye;
    expect(p.bob.stats().dialogs).toBe(0);
    await advance(p.clock, 40_000, 1000);
    expect(p.alice.stats().transactions).toEqual({ server: 0, client: 0 });
    expect(p.bob.stats().transactions).toEqual({ server: 0, client: 0 });
  });
});
