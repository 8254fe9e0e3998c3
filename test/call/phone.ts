/**
 * A test phone built on `sip/`: it dials the engine like a trunk would (INVITE with a G.711
 * offer), sends real RTP paced from a deadline clock (speech or silence), and records every RTP
 * packet it receives with its arrival time, so tests can check what the caller heard and when.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createOffer, readSession, UserAgent, type Dialog } from '../../sip/index.js';
import { createRtpHeader, parseRtp, writeRtpHeader } from '../../media/rtp/packet.js';
import { mulawSilence } from '../fakes/audio.js';
import { answered } from '../helpers/sip.js';

export interface HeardPacket {
  at: number;
  seq: number;
  ts: number;
  pt: number;
  marker: boolean;
  payload: Buffer;
}

const FRAME_BYTES = 160;
const FRAME_MS = 20;

export class TestPhone {
  readonly heard: HeardPacket[] = [];
  /** performance.now() of every frame sent, and whether it carried speech. */
  readonly sent: Array<{ at: number; voiced: boolean }> = [];
  dialog: Dialog | null = null;
  private remote: { address: string; port: number } | null = null;
  private seq = Math.floor(Math.random() * 65535);
  private ts = Math.floor(Math.random() * 2 ** 31);
  private queue: Array<{ frame: Uint8Array; voiced: boolean }> = [];
  private clock: NodeJS.Timeout | null = null;
  private readonly silence = mulawSilence(FRAME_MS);

  private constructor(
    readonly ua: UserAgent,
    private readonly rtp: Socket,
  ) {
    const header = createRtpHeader();
    rtp.on('message', (msg) => {
      if (parseRtp(msg, header) !== 0) return;
      this.heard.push({
        at: performance.now(),
        seq: header.sequenceNumber,
        ts: header.timestamp,
        pt: header.payloadType,
        marker: header.marker,
        payload: Buffer.from(msg.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength)),
      });
    });
  }

  /** A phone on `host` (any 127.x.y.z address works on loopback: another host for the engine). */
  static async start(host = '127.0.0.1'): Promise<TestPhone> {
    const ua = new UserAgent({ transports: [{ protocol: 'udp', host, port: 0 }], publicAddress: host });
    await ua.listen();
    const rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, host, () => resolve()));
    return new TestPhone(ua, rtp);
  }

  get host(): string {
    return this.rtp.address().address;
  }

  get rtpPort(): number {
    return this.rtp.address().port;
  }

  /** Dials `+E164@host:port` from `from`; resolves when the engine answered (200/ACK). */
  async dial(target: string, from: string, options: { signal?: AbortSignal } = {}): Promise<Dialog> {
    const offer = createOffer({ address: this.host, port: this.rtpPort, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, sessionId: '777', version: 1 });
    const dialog = answered(await this.ua.createUAC(`sip:${target}`, { localSdp: offer, callingNumber: from, signal: options.signal }));
    const answer = readSession(dialog.remoteSdp ?? '');
    if ('code' in answer) throw new Error(`unreadable SDP answer: ${answer.message}`);
    const audio = answer.media.find((m) => m.type === 'audio');
    if (!audio?.address) throw new Error('SDP answer without an audio address');
    this.remote = { address: audio.address, port: audio.port };
    this.dialog = dialog;
    this.startClock();
    return dialog;
  }

  /** Queues µ-law audio (any length) to be sent in 20 ms frames after what is already queued. */
  say(ulaw: Uint8Array, voiced = true): void {
    for (let i = 0; i + FRAME_BYTES <= ulaw.length; i += FRAME_BYTES) this.queue.push({ frame: ulaw.subarray(i, i + FRAME_BYTES), voiced });
  }

  /** Milliseconds of audio still waiting to be sent. */
  get pendingMs(): number {
    return this.queue.length * FRAME_MS;
  }

  /** Packets heard since `since` (performance.now()). */
  heardSince(since: number): HeardPacket[] {
    return this.heard.filter((p) => p.at >= since);
  }

  async hangup(): Promise<void> {
    this.stopClock();
    if (this.dialog && !this.dialog.isTerminated) await this.dialog.bye();
  }

  async close(): Promise<void> {
    this.stopClock();
    await this.ua.close(200);
    this.rtp.close();
  }

  /** One frame every 20 ms from a monotonic deadline: queued audio, else silence. */
  private startClock(): void {
    const start = performance.now();
    let n = 0;
    const tick = () => {
      const next = this.queue.shift();
      this.send(next?.frame ?? this.silence, next?.voiced ?? false);
      n += 1;
      this.clock = setTimeout(tick, Math.max(0, start + n * FRAME_MS - performance.now()));
    };
    tick();
  }

  private stopClock(): void {
    if (this.clock) clearTimeout(this.clock);
    this.clock = null;
  }

  private send(frame: Uint8Array, voiced: boolean): void {
    if (!this.remote) return;
    const packet = Buffer.alloc(12 + frame.length);
    writeRtpHeader(packet, 0, { marker: false, pt: 0, seq: this.seq, ts: this.ts, ssrc: 0x5eed });
    packet.set(frame, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME_BYTES) >>> 0;
    this.sent.push({ at: performance.now(), voiced });
    this.rtp.send(packet, this.remote.port, this.remote.address);
  }
}
