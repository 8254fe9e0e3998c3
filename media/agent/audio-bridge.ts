/**
 * The audio path between the caller and the model, both ways, and barge-in.
 *
 * Caller → model: each caller frame is handed to the session as it arrives (one frame, no
 * batching here, never a wait), only once the call is answered and while the agent listens.
 * Model → caller: audio deltas go to the playout queue tagged with their item id. Before answer
 * they are held, so a first message generated while the phone rings is ready at the first frame.
 * Barge-in is one `interrupt()`: the playout queue and the held audio are flushed at once, and the
 * interrupted response is remembered so its late deltas (the server streams ahead of real time
 * and may still send some after `speech_started`) are dropped, never played (STYLE §9).
 *
 * Pacing: an engine with a small playout lead (the pipeline) keeps its audio here and hands the
 * playout queue only `leadMs` ahead of the media clock, topped up after every frame sent. Then a
 * pause (a tentative barge-in) silences the agent within a frame or two without flushing, and a
 * resume goes on with the same item where it stopped; a confirmed barge-in flushes both.
 *
 * Both directions are in the call's logic format (`media.agentFormat`: the leg's G.711 law, or
 * PCM16 24 kHz on Opus legs), which is normally the session's format too. Only when the provider
 * does not take the leg's G.711 law is the other law used, converted byte by byte into a
 * preallocated buffer (callers) or in place (model chunks, which the adapter allocated for us).
 * Per frame: no allocation, no await.
 */
import { alawToUlaw, ulawToAlaw } from '../codecs/g711.js';
import type { CallMedia, CallerAudioInfo, ItemPlayed } from '../call/types.js';
import type { AudioEvent, RealtimeAudioFormat } from '../providers/index.js';
import type { AgentEngine } from './engine.js';
import type { LatencyTracker } from './latency.js';

export interface BridgeEvents {
  /** The first agent frame after a pause went out. */
  agentSpeechStarted(): void;
  /** The agent's audio ran out or was flushed. */
  agentSpeechStopped(): void;
  /** The playout queue ran dry. */
  drained(): void;
  /** An agent frame went out on RTP (per frame: keep it short). */
  frameSent?(sentAt: number): void;
}

interface HeldChunk {
  audio: Uint8Array;
  itemId: string;
  responseId: string;
  first: boolean;
}

/** Interrupted response ids remembered (a response is interrupted at most once). */
const INTERRUPTED_MEMORY = 16;
/** Audio held before answer or ahead of the lead, at most, ms (a reply is a few seconds). */
const MAX_HELD_MS = 60_000;

export class AudioBridge {
  private forwarding = false;
  private holding = true;
  private readonly held: HeldChunk[] = [];
  private heldBytes = 0;
  private readonly interrupted: string[] = [];
  private interruptedNext = 0;
  private lastPlayed: ItemPlayed | null = null;
  private lastItemId: string | null = null;
  private lastResponseId: string | null = null;
  private speaking = false;
  /** Cumulative agent bytes at the last drain or flush: frames up to here end, not start, speech. */
  private quietFrom = 0;
  private droppedBytes = 0;
  /** The session speaks the other G.711 law: an A-law leg with a µ-law session, or the reverse. */
  private readonly lawSwap: 'alaw-leg' | 'ulaw-leg' | null;
  private callerScratch = new Uint8Array(160);
  private paused = false;
  private readonly bytesPerMs: number;
  private readonly maxHeldBytes: number;

  constructor(
    private readonly media: CallMedia,
    private readonly session: Pick<AgentEngine, 'appendAudio'>,
    sessionFormat: RealtimeAudioFormat,
    private readonly latency: LatencyTracker,
    private readonly now: () => number,
    private readonly events: BridgeEvents,
    /** Audio handed to the playout queue ahead of the clock, ms (Infinity: all at once). */
    private readonly leadMs = Infinity,
    /** Every caller frame with its arrival, before it goes to the engine: is it voiced? */
    private readonly voiced: (payload: Uint8Array, info: CallerAudioInfo) => boolean = () => false,
  ) {
    const format = media.agentFormat;
    this.bytesPerMs = format.encoding === 'pcm16' ? (format.sampleRate / 1000) * 2 : 8;
    this.maxHeldBytes = MAX_HELD_MS * this.bytesPerMs;
    const leg = media.agentFormat.encoding;
    this.lawSwap = leg === 'pcma' && sessionFormat === 'pcmu' ? 'alaw-leg' : leg === 'pcmu' && sessionFormat === 'pcma' ? 'ulaw-leg' : null;
    media.onCallerAudio((payload, info) => this.fromCaller(payload, info));
    media.onAgentFrameSent((sentAt, sentBytes) => this.onFrameSent(sentAt, sentBytes));
    media.onItemPlayed((played) => this.onItemPlayed(played));
  }

  /** Agent audio is queued or held: the agent is (about to be) heard. */
  get agentAudioPending(): boolean {
    return this.media.queuedAgentMs > 0 || this.held.length > 0;
  }

  /** Agent audio not yet sent: queued for the clock plus held here, ms. */
  get pendingMs(): number {
    return this.media.queuedAgentMs + this.heldBytes / this.bytesPerMs;
  }

  /** The agent's audio is paused (a tentative barge-in). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Stops handing audio to the playout queue; what is queued (≤ the lead) still plays. */
  pause(): void {
    if (this.leadMs === Infinity) return;
    this.paused = true;
  }

  /** Goes on where the pause stopped (a false interruption). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.feed();
  }

  /** Bytes of interrupted responses that arrived late and were dropped. */
  get interruptedBytesDropped(): number {
    return this.droppedBytes;
  }

  /** Caller audio goes to the model from now on. */
  listen(on: boolean): void {
    this.forwarding = on;
  }

  /** The call was answered: held audio goes to the playout queue, later audio straight there. */
  release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.feed();
  }

  /** A model audio delta. */
  onModelAudio(event: AudioEvent): void {
    if (this.wasInterrupted(event.responseId)) {
      this.droppedBytes += event.audio.length;
      return;
    }
    const at = this.now();
    const first = this.latency.deltaReceived(event.responseId, at);
    const audio = event.audio;
    // The adapter hands us a fresh buffer per delta: convert in place (session law → leg law).
    if (this.lawSwap === 'alaw-leg') ulawToAlaw(audio, audio);
    else if (this.lawSwap === 'ulaw-leg') alawToUlaw(audio, audio);
    this.lastItemId = event.itemId;
    this.lastResponseId = event.responseId;
    if (!this.holding && this.leadMs === Infinity) return this.queue(audio, event.itemId, at, first, event.responseId);
    if (this.heldBytes + audio.length > this.maxHeldBytes) return;
    this.held.push({ audio, itemId: event.itemId, responseId: event.responseId, first });
    this.heldBytes += audio.length;
    if (!this.holding) this.feed();
  }

  /**
   * Barge-in: flushes every queued and held byte at once, drops the rest of `activeResponseId`
   * (the response being generated, if any), and returns the item the caller was hearing with
   * the milliseconds of it they heard.
   */
  interrupt(activeResponseId: string | null): ItemPlayed | null {
    if (activeResponseId !== null) this.markInterrupted(activeResponseId);
    const heldItem = this.held.length > 0 ? this.held[0].itemId : null;
    this.held.length = 0;
    this.heldBytes = 0;
    this.paused = false;
    let played = this.media.flushAgentAudio();
    this.latency.flushed();
    // Paused, the queue ran dry mid-item with the rest held here: that item was being heard.
    if (played === null && heldItem !== null && this.lastPlayed?.itemId === heldItem) played = this.lastPlayed;
    // The queue had run dry mid-response (a slow stream): the item heard last is still the one.
    if (played === null && activeResponseId !== null && this.lastResponseId === activeResponseId && this.lastPlayed?.itemId === this.lastItemId) {
      played = this.lastPlayed;
    }
    if (played !== null) this.markInterruptedItem(played.itemId);
    this.stopSpeaking();
    return played;
  }

  /** Plays a built-in prompt (the apology) after flushing the agent's audio. */
  playPrompt(audio: Uint8Array, itemId: string): void {
    this.holding = false;
    this.interrupt(this.lastResponseId);
    if (audio.length > 0) this.queue(audio, itemId, this.now(), false, null);
  }

  /** The item id of the response's audio last queued, when it belongs to `responseId`. */
  lastItemOf(responseId: string | null): string | null {
    return responseId !== null && responseId === this.lastResponseId ? this.lastItemId : null;
  }

  wasInterrupted(responseId: string): boolean {
    return this.interrupted.includes(responseId);
  }

  close(): void {
    this.forwarding = false;
    this.media.onAgentFrameSent(null);
    this.held.length = 0;
  }

  /**
   * Hands held audio to the playout queue: all of it (lead Infinity), else up to the lead. A chunk
   * larger than what fits is split (one view per top-up, a few per second).
   */
  private feed(): void {
    if (this.holding || this.paused) return;
    const at = this.now();
    const leadBytes = this.leadMs * this.bytesPerMs;
    while (this.held.length > 0) {
      const room = leadBytes - this.media.queuedAgentMs * this.bytesPerMs;
      if (room <= 0) return;
      const chunk = this.held[0];
      if (chunk.audio.length <= room) {
        this.held.shift();
        this.heldBytes -= chunk.audio.length;
        this.queue(chunk.audio, chunk.itemId, at, chunk.first, chunk.responseId);
        continue;
      }
      const take = Math.max(this.media.agentFormat.encoding === 'pcm16' ? 2 : 1, Math.floor(room / 2) * 2);
      this.queue(chunk.audio.subarray(0, take), chunk.itemId, at, chunk.first, chunk.responseId);
      chunk.audio = chunk.audio.subarray(take);
      chunk.first = false;
      this.heldBytes -= take;
    }
  }

  private queue(audio: Uint8Array, itemId: string, at: number, first: boolean, responseId: string | null): void {
    const followed = this.latency.chunkQueued(this.media.agentBytesQueued, at, first, this.media.queuedAgentMs === 0, responseId);
    if (!this.media.playAgentAudio(audio, itemId) && followed) this.latency.chunkDropped();
  }

  private fromCaller(payload: Uint8Array, info: CallerAudioInfo): void {
    if (!this.forwarding) return;
    const voiced = this.voiced(payload, info);
    this.session.appendAudio(this.lawSwap === null ? payload : this.swapLaw(payload), info.receivedAt, voiced);
    // Voiced frames leave at once; unvoiced ones may wait for a larger append (realtime input batching).
    if (voiced) this.latency.callerFrameSent(info.receivedAt, this.now());
  }

  /** Caller frame (leg law) → session law, in a buffer kept for the next frame of the same size. */
  private swapLaw(payload: Uint8Array): Uint8Array {
    if (this.callerScratch.length !== payload.length) this.callerScratch = new Uint8Array(payload.length);
    if (this.lawSwap === 'alaw-leg') alawToUlaw(payload, this.callerScratch);
    else ulawToAlaw(payload, this.callerScratch);
    return this.callerScratch;
  }

  private onFrameSent(sentAt: number, sentBytes: number): void {
    this.latency.frameSent(sentAt, sentBytes);
    this.events.frameSent?.(sentAt);
    if (this.heldBytes > 0 && !this.paused) this.feed();
    // The probe runs after the item-played callback of the same frame: the last frame of a
    // talkspurt must not start a new one.
    if (this.speaking || sentBytes <= this.quietFrom) return;
    this.speaking = true;
    this.events.agentSpeechStarted();
  }

  private onItemPlayed(played: ItemPlayed): void {
    this.lastPlayed = played;
    // Held audio (paused, or a slow stream) still follows: not drained.
    if (this.media.queuedAgentMs > 0 || this.heldBytes > 0) return;
    this.stopSpeaking();
    this.events.drained();
  }

  private stopSpeaking(): void {
    this.quietFrom = this.media.agentBytesQueued;
    if (!this.speaking) return;
    this.speaking = false;
    this.events.agentSpeechStopped();
  }

  private markInterrupted(responseId: string): void {
    if (this.interrupted.includes(responseId)) return;
    if (this.interrupted.length < INTERRUPTED_MEMORY) this.interrupted.push(responseId);
    else this.interrupted[this.interruptedNext] = responseId;
    this.interruptedNext = (this.interruptedNext + 1) % INTERRUPTED_MEMORY;
  }

  /** The flushed item's own response is interrupted too (it may still be streaming). */
  private markInterruptedItem(itemId: string): void {
    if (itemId === this.lastItemId && this.lastResponseId !== null) this.markInterrupted(this.lastResponseId);
  }
}
