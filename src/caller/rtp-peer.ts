/**
 * The RTP side of `voxgate call`: sends the caller's voice (G.711, 20 ms frames paced from a
 * deadline clock, silence when there is nothing to say) and keeps what it hears, decoded, in
 * arrival order with the RTP timestamps' gaps filled with silence.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { alawDecode, alawEncode, ALAW_SILENCE, createRtpHeader, parseRtp, ulawDecode, ulawEncode, ULAW_SILENCE, writeRtpHeader } from '../../media/index.js';

const FRAME_SAMPLES = 160;
const FRAME_MS = 20;
/** A gap in the far end's timestamps longer than this is not filled (a new talk spurt after a hold). */
const MAX_GAP_SAMPLES = 8000 * 5;
/** Voiced: a frame louder than this (mean absolute sample). */
const VOICED_LEVEL = 300;

export type G711 = 'PCMU' | 'PCMA';

export class RtpPeer {
  /** Decoded audio heard, 8 kHz mono. */
  private readonly heardChunks: Int16Array[] = [];
  private heardSamples = 0;
  private lastTs: number | null = null;
  /** performance.now() of the last voiced frame heard, and of the first. */
  lastVoicedAt: number | null = null;
  firstVoicedAt: number | null = null;
  packetsReceived = 0;
  packetsSent = 0;
  private queue: Int16Array | null = null;
  private queuePos = 0;
  private clock: NodeJS.Timeout | null = null;
  private remote: { address: string; port: number; pt: number; codec: G711 } | null = null;
  private seq = Math.floor(Math.random() * 65535);
  private ts = Math.floor(Math.random() * 2 ** 31);
  private readonly ssrc = Math.floor(Math.random() * 2 ** 32) >>> 0;
  private readonly packet = Buffer.alloc(12 + FRAME_SAMPLES);
  private readonly frame = new Int16Array(FRAME_SAMPLES);

  private constructor(private readonly socket: Socket) {
    const header = createRtpHeader();
    socket.on('message', (msg) => {
      if (parseRtp(msg, header) !== 0 || !this.remote || header.payloadType !== this.remote.pt) return;
      this.packetsReceived += 1;
      const payload = msg.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
      const pcm = new Int16Array(payload.length);
      if (this.remote.codec === 'PCMU') ulawDecode(payload, pcm);
      else alawDecode(payload, pcm);
      if (this.lastTs !== null) {
        const gap = (header.timestamp - this.lastTs - pcm.length) >>> 0;
        if (gap > 0 && gap < MAX_GAP_SAMPLES) this.keep(new Int16Array(gap));
      }
      this.lastTs = header.timestamp;
      this.keep(pcm);
      let level = 0;
      for (const s of pcm) level += Math.abs(s);
      if (level / pcm.length > VOICED_LEVEL) {
        this.lastVoicedAt = performance.now();
        this.firstVoicedAt ??= this.lastVoicedAt;
      }
    });
  }

  static async bind(host: string): Promise<RtpPeer> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return new RtpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Starts sending to the far end's SDP address (silence until `play`). */
  start(remote: { address: string; port: number; pt: number; codec: G711 }): void {
    this.remote = remote;
    const start = performance.now();
    let n = 0;
    const tick = () => {
      this.sendFrame();
      n += 1;
      this.clock = setTimeout(tick, Math.max(0, start + n * FRAME_MS - performance.now()));
    };
    tick();
  }

  /** Plays 8 kHz PCM as the caller's voice. */
  play(pcm: Int16Array): void {
    this.queue = pcm;
    this.queuePos = 0;
  }

  get playing(): boolean {
    return this.queue !== null;
  }

  /** What was heard, 8 kHz mono. */
  heard(): Int16Array {
    const out = new Int16Array(this.heardSamples);
    let at = 0;
    for (const chunk of this.heardChunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  close(): void {
    if (this.clock) clearTimeout(this.clock);
    this.clock = null;
    this.socket.close();
  }

  private keep(pcm: Int16Array): void {
    this.heardChunks.push(pcm);
    this.heardSamples += pcm.length;
  }

  private sendFrame(): void {
    if (!this.remote) return;
    const payload = this.packet.subarray(12);
    if (this.queue) {
      this.frame.fill(0);
      this.frame.set(this.queue.subarray(this.queuePos, this.queuePos + FRAME_SAMPLES));
      this.queuePos += FRAME_SAMPLES;
      if (this.queuePos >= this.queue.length) this.queue = null;
      if (this.remote.codec === 'PCMU') ulawEncode(this.frame, payload);
      else alawEncode(this.frame, payload);
    } else payload.fill(this.remote.codec === 'PCMU' ? ULAW_SILENCE : ALAW_SILENCE);
    writeRtpHeader(this.packet, 0, { marker: false, pt: this.remote.pt, seq: this.seq, ts: this.ts, ssrc: this.ssrc });
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME_SAMPLES) >>> 0;
    this.packetsSent += 1;
    this.socket.send(this.packet, this.remote.port, this.remote.address);
  }
}
