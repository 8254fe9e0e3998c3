/**
 * The per-call media object inside a worker: glues the RTP session (with its reorder window),
 * DTMF, the playout queue, the recording and the no-media timer, and is the media clock's
 * target for the call. The call logic sees it through the `CallMedia` interface.
 */
import type { ClockTarget } from '../clock/media-clock.js';
import type { TimeSource } from '../clock/time.js';
import { Frame, PlayoutQueue } from '../playout/playout-queue.js';
import type { ItemPlayed } from '../playout/item-ledger.js';
import type { PortPair } from '../ports.js';
import type { AudioCodecName, CallEndReason, CallMediaOptions, CallQuality, RemoteMedia } from '../protocol.js';
import { RtpSession } from '../rtp/session.js';
import { DtmfReceiver } from '../dtmf/receiver.js';
import { DtmfSender } from '../dtmf/sender.js';
import { alawToUlaw, ulawToAlaw } from '../codecs/g711.js';
import { FrameConverter, audioFormatFor, playoutFormatFor } from './frame-codec.js';
import type { CallRecorder } from './recorder.js';
import type { AudioFormat, CallMedia, CallerAudioInfo } from './types.js';

export const DEFAULT_NO_MEDIA_MS = 30_000;
export const DEFAULT_HOLD_NO_MEDIA_MS = 60_000;
/** Bridged audio beyond this is dropped: the two legs' clocks drift, latency must not grow. */
const BRIDGE_MAX_QUEUE_MS = 200;

export interface CallMediaDeps {
  callId: string;
  ports: PortPair;
  remote: RemoteMedia | null;
  /** Codec when `remote` is null (outbound before the answer). */
  codec: AudioCodecName;
  options: CallMediaOptions;
  time: TimeSource;
  recorder: CallRecorder | null;
  /** No RTP for the configured time: the owner ends the call. */
  onNoMedia(): void;
  onLatched?(address: string, port: number): void;
  /** Every digit, for the owner's `call.event` (the logic has its own listener). */
  onDtmf?(digit: string): void;
  /** Packet arrival times feed the worker's media clock (see `MediaClock.poll`). */
  clock?: { poll(now: number): void };
}

type FrameProbe = (sentAt: number, sentBytes: number) => void;

export class CallMediaImpl implements CallMedia, ClockTarget {
  readonly callId: string;
  readonly agentFormat: AudioFormat;
  private legCodec: AudioCodecName;
  private readonly session: RtpSession;
  private readonly playout: PlayoutQueue;
  private readonly converter: FrameConverter;
  private readonly dtmf: DtmfReceiver;
  private readonly frame: Uint8Array;
  /** PCM16 view of `frame` for encoders that take samples (Opus legs), else null. */
  private readonly framePcm: Int16Array | null;
  private decodeErrors = 0;
  private readonly info: CallerAudioInfo = { receivedAt: 0 };
  private readonly noMediaMs: number;
  private readonly holdNoMediaMs: number;
  private callerCb: ((payload: Uint8Array, info: CallerAudioInfo) => void) | null = null;
  private dtmfCb: ((digit: string) => void) | null = null;
  private probe: FrameProbe | null = null;
  private bridgePeer: CallMediaImpl | null = null;
  private readonly bridgeScratch = new Uint8Array(1500);
  private bridgeItem = 'bridge-0';
  private bridgeFlushes = 0;
  private onHold = false;
  /** Played instead of silence while the playout is empty (a ringback while a transfer rings). */
  private filler: Uint8Array | null = null;
  private fillerAt = 0;
  /** A digit relayed from the bridged peer, sent as RFC 4733 events in place of audio frames. */
  private readonly relay = new DtmfSender();
  private readonly relayPayload = new Uint8Array(4);
  /** Media-timer baseline: answer, remote change; 0 = not answered, no timer yet. */
  private timerFrom = 0;
  private gap = true;
  private callerFrames = 0;
  private closed = false;

  constructor(private readonly deps: CallMediaDeps) {
    this.callId = deps.callId;
    this.legCodec = deps.remote?.codec ?? deps.codec;
    this.agentFormat = audioFormatFor(this.legCodec);
    const format = playoutFormatFor(this.agentFormat);
    this.playout = new PlayoutQueue({ format, whenEmpty: deps.options.emptyPlayout ?? 'silence' });
    this.frame = new Uint8Array(new ArrayBuffer(format.frameBytes));
    this.framePcm = this.agentFormat.encoding === 'pcm16' ? new Int16Array(this.frame.buffer) : null;
    this.converter = new FrameConverter(this.agentFormat, this.legCodec);
    this.noMediaMs = deps.options.noMediaTimeoutMs ?? DEFAULT_NO_MEDIA_MS;
    this.holdNoMediaMs = deps.options.holdNoMediaTimeoutMs ?? DEFAULT_HOLD_NO_MEDIA_MS;
    this.dtmf = new DtmfReceiver({
      onDigit: (digit) => {
        deps.onDtmf?.(digit);
        // Bridged to a transfer target: the digit goes on to the other party, regenerated.
        if (this.bridgePeer) this.bridgePeer.relayDigit(digit);
        else this.dtmfCb?.(digit);
      },
    });
    this.session = new RtpSession({
      ports: deps.ports,
      remote: null,
      time: deps.time,
      handlers: {
        onAudio: (payload, receivedAt) => this.onCallerPayload(payload, receivedAt),
        onTelephoneEvent: (payload, ts) => this.dtmf.push(payload, ts, deps.time.now()),
        onLatched: deps.onLatched,
        onPacketTime: deps.clock ? (now) => deps.clock?.poll(now) : undefined,
      },
    });
    if (deps.remote) this.updateRemote(deps.remote);
  }

  get codec(): AudioCodecName {
    return this.legCodec;
  }

  get localPort(): number {
    return this.session.localPort;
  }

  get queuedAgentMs(): number {
    return this.playout.queuedMs;
  }

  /** Cumulative agent bytes queued (flushed included): pair with `onAgentFrameSent` to time chunks. */
  get agentBytesQueued(): number {
    return this.playout.writePosition;
  }

  onCallerAudio(cb: (payload: Uint8Array, info: CallerAudioInfo) => void): void {
    this.callerCb = cb;
  }

  onDtmf(cb: (digit: string) => void): void {
    this.dtmfCb = cb;
  }

  onItemPlayed(cb: (played: ItemPlayed) => void): void {
    this.playout.onItemPlayed(cb);
  }

  /** Latency probe: after each agent frame is sent, with the cumulative agent bytes sent. */
  onAgentFrameSent(cb: FrameProbe | null): void {
    this.probe = cb;
  }

  playAgentAudio(chunk: Uint8Array, itemId: string): boolean {
    // While bridged the playout carries the peer's caller; the agent is not heard.
    if (this.closed || this.bridgePeer) return false;
    return this.playout.enqueue(chunk, itemId);
  }

  flushAgentAudio(): ItemPlayed | null {
    return this.playout.flush();
  }

  /** The call was answered: the no-media timer starts now. */
  answered(): void {
    this.timerFrom = this.deps.time.now();
  }

  updateRemote(remote: RemoteMedia): void {
    this.session.updateRemote(remote);
    this.converter.setLeg(remote.codec);
    this.legCodec = remote.codec;
    this.onHold = remote.direction === 'sendonly' || remote.direction === 'inactive';
    if (this.timerFrom > 0) this.timerFrom = this.deps.time.now();
  }

  /** Fills the gaps of the playout with `tone` (one looped cadence, in the agent format), or stops. */
  setFiller(tone: Uint8Array | null): void {
    this.filler = tone;
    this.fillerAt = 0;
  }

  /** Sends this leg's caller audio to `peer`'s caller instead of to the logic (transfer bridge). */
  bridge(peer: CallMediaImpl | null): void {
    this.bridgePeer = peer;
    this.playout.flush();
    this.bridgeItem = `bridge-${++this.bridgeFlushes}`;
  }

  onTick(now: number, skipped: number): void {
    if (this.closed) return;
    this.session.tick(now);
    this.dtmf.tick(now);
    if (this.mediaTimedOut(now)) return this.deps.onNoMedia();
    if (skipped > 0) this.session.skip(skipped, true);
    const sent = this.session.sending ? this.sendFrame(now) : this.idle();
    this.deps.recorder?.slot(this.agentFormat.encoding, sent, now);
  }

  stats(): CallQuality {
    return {
      rtp: this.session.stats(),
      agentAudioMs: this.playout.stats().playedMs,
      callerFrames: this.callerFrames,
      decodeErrors: this.decodeErrors,
      dtmfDigits: this.dtmf.stats.digits,
    };
  }

  close(_reason: CallEndReason): void {
    if (this.closed) return;
    this.closed = true;
    this.bridgePeer = null;
    this.session.close();
    this.converter.close();
  }

  /** Queues a digit the bridged peer's party pressed (dropped when the remote took no telephone-events). */
  relayDigit(digit: string): void {
    if (!this.closed && this.session.telephoneEventPt >= 0 && !this.relay.active) this.relay.start(digit, this.session.timestamp);
  }

  private sendFrame(now: number): Uint8Array | null {
    if (this.relay.active) {
      const n = this.relay.next(this.relayPayload);
      this.playout.pull(this.frame); // the audio of this slot is not heard; the queue moves on
      this.session.sendEvent(this.relayPayload, n, this.relay.marker, this.relay.timestamp, now);
      return null;
    }
    let kind = this.playout.pull(this.frame);
    const filled = kind !== Frame.AUDIO && this.filler !== null;
    if (filled) kind = this.fill();
    if (kind === Frame.NONE) return this.idle();
    const marker = this.gap || this.playout.startsTalkspurt;
    this.gap = false;
    const length = this.converter.encode(this.frame, this.framePcm);
    if (length <= 0) return this.idle();
    this.session.sendFrame(this.converter.payload, length, marker, now);
    if (kind !== Frame.AUDIO) return null;
    if (!filled) this.probe?.(now, this.playout.readPosition);
    return this.frame;
  }

  /** The next frame of the filler tone into `frame`, byte by byte (no allocation per frame). */
  private fill(): typeof Frame.AUDIO {
    const tone = this.filler!;
    const frame = this.frame;
    let at = this.fillerAt;
    for (let i = 0; i < frame.length; i++) {
      frame[i] = tone[at];
      at = at + 1 === tone.length ? 0 : at + 1;
    }
    this.fillerAt = at;
    return Frame.AUDIO;
  }

  /** A slot with no packet: the timestamp still advances; the next packet starts a talkspurt. */
  private idle(): null {
    this.session.skip(1, false);
    this.gap = true;
    return null;
  }

  private mediaTimedOut(now: number): boolean {
    if (this.timerFrom === 0) return false;
    const last = this.session.lastPacketAt > this.timerFrom ? this.session.lastPacketAt : this.timerFrom;
    return now - last > (this.onHold ? this.holdNoMediaMs : this.noMediaMs);
  }

  private onCallerPayload(payload: Uint8Array, receivedAt: number): void {
    this.callerFrames++;
    this.deps.recorder?.pushCaller(this.legCodec, payload, receivedAt);
    const audio = this.converter.decode(payload);
    if (!audio) {
      this.decodeErrors++;
      return;
    }
    if (this.bridgePeer) return this.bridgePeer.playBridged(audio, this.agentFormat);
    this.info.receivedAt = receivedAt;
    this.callerCb?.(audio, this.info);
  }

  /** The bridged peer's caller audio, in the peer's format: same format or the other G.711 law. */
  private playBridged(audio: Uint8Array, from: AudioFormat): void {
    if (this.playout.queuedMs > BRIDGE_MAX_QUEUE_MS) {
      // A flushed item id stays flushed: continue under a new one.
      this.playout.flush();
      this.bridgeItem = `bridge-${++this.bridgeFlushes}`;
    }
    const to = this.agentFormat;
    if (from.encoding === to.encoding && from.sampleRate === to.sampleRate) return void this.playout.enqueue(audio, this.bridgeItem);
    if (from.encoding === 'pcm16' || to.encoding === 'pcm16' || audio.length > this.bridgeScratch.length) {
      this.decodeErrors++; // Opus ↔ G.711 bridges are not supported: the audio is dropped
      return;
    }
    const n = from.encoding === 'pcmu' ? ulawToAlaw(audio, this.bridgeScratch) : alawToUlaw(audio, this.bridgeScratch);
    this.playout.enqueue(this.bridgeScratch, this.bridgeItem, n);
  }
}
