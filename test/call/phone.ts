/**
 * A test phone built on `sip/`: it dials the engine like a trunk would (INVITE with a G.711
 * offer) and talks and listens through an `RtpEndpoint` (real RTP, paced from a deadline clock).
 */
import { createOffer, readSession, UserAgent, type Dialog } from '../../sip/index.js';
import { answered } from '../helpers/sip.js';
import { RtpEndpoint, type HeardPacket } from './rtp-endpoint.js';

export type { HeardPacket };

export class TestPhone {
  dialog: Dialog | null = null;

  private constructor(
    readonly ua: UserAgent,
    readonly rtp: RtpEndpoint,
  ) {}

  /** A phone on `host` (any 127.x.y.z address works on loopback: another host for the engine). */
  static async start(host = '127.0.0.1'): Promise<TestPhone> {
    const ua = new UserAgent({ transports: [{ protocol: 'udp', host, port: 0 }], publicAddress: host });
    await ua.listen();
    return new TestPhone(ua, await RtpEndpoint.bind(host));
  }

  get host(): string {
    return this.rtp.host;
  }

  get rtpPort(): number {
    return this.rtp.port;
  }

  get heard(): HeardPacket[] {
    return this.rtp.heard;
  }

  get sent(): RtpEndpoint['sent'] {
    return this.rtp.sent;
  }

  /** Dials `+E164@host:port` from `from`; resolves when the engine answered (200/ACK). */
  async dial(target: string, from: string, options: { signal?: AbortSignal } = {}): Promise<Dialog> {
    const offer = createOffer({ address: this.host, port: this.rtpPort, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, sessionId: '777', version: 1 });
    const dialog = answered(await this.ua.createUAC(`sip:${target}`, { localSdp: offer, callingNumber: from, signal: options.signal }));
    const answer = readSession(dialog.remoteSdp ?? '');
    if ('code' in answer) throw new Error(`unreadable SDP answer: ${answer.message}`);
    const audio = answer.media.find((m) => m.type === 'audio');
    if (!audio?.address) throw new Error('SDP answer without an audio address');
    this.dialog = dialog;
    this.rtp.start({ address: audio.address, port: audio.port });
    return dialog;
  }

  say(ulaw: Uint8Array, voiced = true): void {
    this.rtp.say(ulaw, voiced);
  }

  get pendingMs(): number {
    return this.rtp.pendingMs;
  }

  heardSince(since: number): HeardPacket[] {
    return this.rtp.heardSince(since);
  }

  async hangup(): Promise<void> {
    this.rtp.stop();
    if (this.dialog && !this.dialog.isTerminated) await this.dialog.bye();
  }

  async close(): Promise<void> {
    this.rtp.stop();
    await this.ua.close(200);
    this.rtp.close();
  }
}
