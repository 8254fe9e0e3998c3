/**
 * A `CallMedia` double for the agent runtime tests. Agent audio goes into the engine's real
 * playout queue (item accounting, flush, late-chunk drops are the production code), but nothing
 * plays until the test says so: `play(n)` sends n frames the way the media clock would, with the
 * frame probe and item-played callbacks. Caller audio is pushed by the test, one 20 ms frame at a
 * time, as the RTP session would deliver it.
 */
import { performance } from 'node:perf_hooks';
import { ALAW_SILENCE, ULAW_SILENCE } from '../../../media/codecs/g711.js';
import type { AgentAudioFormat, CallMedia, CallerAudioInfo, ItemPlayed } from '../../../media/call/types.js';
import { Frame, PlayoutQueue } from '../../../media/playout/playout-queue.js';
import type { AudioCodecName, CallEndReason, CallQuality } from '../../../media/protocol.js';

export interface QueuedChunk {
  itemId: string;
  bytes: number;
  accepted: boolean;
  at: number;
}

export class FakeCallMedia implements CallMedia {
  readonly callId = 'call-agent-test';
  readonly agentFormat: AgentAudioFormat;
  readonly queued: QueuedChunk[] = [];
  readonly flushes: Array<{ at: number; played: ItemPlayed | null; queuedMsBefore: number }> = [];
  readonly itemsPlayed: ItemPlayed[] = [];
  /** Audio frames sent to the "caller" (copies), in order. */
  readonly sentFrames: Uint8Array[] = [];
  callerFramesDelivered = 0;
  closedWith: CallEndReason | null = null;
  private readonly playout: PlayoutQueue;
  private readonly frame: Uint8Array;
  private readonly frameBytes: number;
  private callerCb: ((payload: Uint8Array, info: CallerAudioInfo) => void) | null = null;
  private itemCb: ((played: ItemPlayed) => void) | null = null;
  private dtmfCb: ((digit: string) => void) | null = null;
  private probe: ((sentAt: number, sentBytes: number) => void) | null = null;

  /** PCMU/PCMA: the law itself; opus: PCM16 at 24 kHz, as the media object hands the logic. */
  constructor(public codec: AudioCodecName = 'PCMU') {
    const opus = codec === 'opus';
    this.agentFormat = opus ? { encoding: 'pcm16', sampleRate: 24_000 } : { encoding: codec === 'PCMA' ? 'pcma' : 'pcmu', sampleRate: 8000 };
    this.frameBytes = opus ? 960 : 160;
    this.frame = new Uint8Array(this.frameBytes);
    const silenceByte = opus ? 0 : codec === 'PCMA' ? ALAW_SILENCE : ULAW_SILENCE;
    this.playout = new PlayoutQueue({ format: { frameBytes: this.frameBytes, bytesPerMs: opus ? 48 : 8, silenceByte }, whenEmpty: 'nothing' });
    this.playout.onItemPlayed((played) => {
      this.itemsPlayed.push(played);
      this.itemCb?.(played);
    });
  }

  get queuedAgentMs(): number {
    return this.playout.queuedMs;
  }

  get agentBytesQueued(): number {
    return this.playout.writePosition;
  }

  /** Agent audio sent so far, ms. */
  get playedMs(): number {
    return this.sentFrames.length * 20;
  }

  onCallerAudio(cb: (payload: Uint8Array, info: CallerAudioInfo) => void): void {
    this.callerCb = cb;
  }

  playAgentAudio(chunk: Uint8Array, itemId: string): boolean {
    const accepted = this.playout.enqueue(chunk, itemId);
    this.queued.push({ itemId, bytes: chunk.length, accepted, at: performance.now() });
    return accepted;
  }

  flushAgentAudio(): ItemPlayed | null {
    const queuedMsBefore = this.playout.queuedMs;
    const played = this.playout.flush();
    this.flushes.push({ at: performance.now(), played, queuedMsBefore });
    return played;
  }

  onItemPlayed(cb: (played: ItemPlayed) => void): void {
    this.itemCb = cb;
  }

  onDtmf(cb: (digit: string) => void): void {
    this.dtmfCb = cb;
  }

  onAgentFrameSent(cb: ((sentAt: number, sentBytes: number) => void) | null): void {
    this.probe = cb;
  }

  /** Sends up to `frames` agent frames, as the media clock would; returns how many carried audio. */
  play(frames = 1): number {
    let audio = 0;
    for (let i = 0; i < frames; i++) {
      if (this.playout.pull(this.frame) !== Frame.AUDIO) break;
      this.sentFrames.push(this.frame.slice());
      audio++;
      this.probe?.(performance.now(), this.playout.readPosition);
    }
    return audio;
  }

  /** Plays everything queued. */
  playAll(): number {
    return this.play(Number.MAX_SAFE_INTEGER);
  }

  /** Delivers caller audio (in `agentFormat`) in 20 ms frames (the last one padded). */
  speak(audio: Uint8Array): void {
    const n = this.frameBytes;
    const pad = this.codec === 'opus' ? 0 : this.codec === 'PCMA' ? ALAW_SILENCE : ULAW_SILENCE;
    for (let offset = 0; offset < audio.length; offset += n) {
      let frame = audio.subarray(offset, offset + n);
      if (frame.length < n) {
        const padded = new Uint8Array(n).fill(pad);
        padded.set(frame);
        frame = padded;
      }
      this.callerFramesDelivered++;
      this.callerCb?.(frame, { receivedAt: performance.now() });
    }
  }

  pressDigit(digit: string): void {
    this.dtmfCb?.(digit);
  }

  stats(): CallQuality {
    throw new Error('not used by the agent runtime');
  }

  close(reason: CallEndReason): void {
    this.closedWith = reason;
  }
}
