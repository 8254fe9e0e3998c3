/**
 * Two user agents on an in-memory network with a fake clock (SIP.js's "two fake users" style),
 * plus a raw endpoint that sends hand-written messages and records what comes back.
 */
import { FakeClock } from '../../sip/clock.js';
import { LoopbackNetwork, type LoopbackTransport } from '../../sip/transport/loopback.js';
import { UserAgent, type UserAgentOptions } from '../../sip/ua/user-agent.js';
import { createOffer, type LocalMedia } from '../../sip/sdp/index.js';
import type { SipMessage } from '../../sip/message/types.js';

export interface Pair {
  clock: FakeClock;
  net: LoopbackNetwork;
  alice: UserAgent;
  bob: UserAgent;
  aliceWire: LoopbackTransport;
  bobWire: LoopbackTransport;
  bobUri: string;
  aliceUri: string;
}

export type Extra = Partial<Omit<UserAgentOptions, 'transports' | 'clock'>>;

export async function makePair(aliceOpts: Extra = {}, bobOpts: Extra = {}, protocol: 'udp' | 'tcp' = 'udp'): Promise<Pair> {
  const clock = new FakeClock();
  const net = new LoopbackNetwork(clock);
  const aliceWire = net.endpoint({ address: '127.0.0.1', port: 5060, protocol });
  const bobWire = net.endpoint({ address: '127.0.0.2', port: 5060, protocol });
  const alice = new UserAgent({ transports: [aliceWire], clock, ...aliceOpts });
  const bob = new UserAgent({ transports: [bobWire], clock, ...bobOpts });
  await alice.listen();
  await bob.listen();
  const param = protocol === 'tcp' ? ';transport=tcp' : '';
  return { clock, net, alice, bob, aliceWire, bobWire, bobUri: `sip:+15550002222@127.0.0.2:5060${param}`, aliceUri: `sip:alice@127.0.0.1:5060${param}` };
}

/** Lets queued deliveries and promise chains run (no clock movement). */
export async function tick(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advances the fake clock in steps, letting deliveries run in between. */
export async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await tick(2);
  }
}

export function media(port: number, direction: LocalMedia['direction'] = 'sendrecv', version = 1): LocalMedia {
  return { address: '127.0.0.1', port, codecs: ['PCMU', 'PCMA'], sessionId: String(port), version, direction };
}

export function offer(port = 40000, direction: LocalMedia['direction'] = 'sendrecv', version = 1): string {
  return createOffer(media(port, direction, version));
}

/** First lines of what an endpoint sent, e.g. ["INVITE sip:…", "ACK sip:…"]. */
export function sentLines(wire: LoopbackTransport): string[] {
  return wire.sent.map((p) => p.firstLine);
}

export function countSent(wire: LoopbackTransport, prefix: string): number {
  return wire.sent.filter((p) => p.firstLine.startsWith(prefix)).length;
}

/** A raw endpoint: sends text, collects parsed replies. */
export async function rawPeer(net: LoopbackNetwork, address = '127.0.0.9'): Promise<{ wire: LoopbackTransport; received: SipMessage[]; send(text: string): Promise<void> }> {
  const wire = net.endpoint({ address, port: 5060 });
  const received: SipMessage[] = [];
  wire.onMessage = (result) => {
    if (result.ok) received.push(result.message);
  };
  await wire.listen();
  return {
    wire,
    received,
    send: (text: string) => wire.send(Buffer.from(text.replace(/\r?\n/g, '\r\n')), { transport: 'udp', address: '127.0.0.2', port: 5060 }),
  };
}
