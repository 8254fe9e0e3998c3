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
 * Per frame: no allocation, no await. A leg whose G.711 law differs from the session's is
 * converted byte by byte into a preallocated buffer (callers) or in place (model chunks, which
 * the adapter allocated for us).
 */
import { alawToUlaw, ulawToAlaw } from '../codecs/g711.js';
import type { CallMedia, CallerAudioInfo, ItemPlayed } from '../call/types.js';
import type { AudioEvent, RealtimeSession } from '../providers/index.js';
import type { LatencyTracker } from './latency.js';

export interface BridgeEvents {
  /** The first agent frame after a pause went out. */
  agentSpeechStarted(): void;
  /** The agent's audio ran out or was flushed. */
  agentSpeechStopped(): void;
  /** The playout queue ran dry. */
  drained(): void;
}

type Law = 'pcmu' | 'pcma';

interface HeldChunk {
  audio: Uint8Array;
  itemId: string;
  first: boolean;
}

/** Interrupted response ids remembered (a response is interrupted at most once). */
const INTERRUPTED_MEMORY = 16;
/** Audio held before answer, at most (a first message is a few seconds). */
const MAX_HELD_BYTES = 60 * 8000;
const G711_FRAME = 160;

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
  private readonly callerScratch = new Uint8Array(G711_FRAME);

  constructor(
    private readonly media: CallMedia,
    private readonly session: Pick<RealtimeSession, 'appendAudio'>,
    private readonly law: Law,
    private readonly latency: LatencyTracker,
    private readonly now: () => number,
    private readonly events: BridgeEvents,
  ) {
    media.onCallerAudio((payload, info) => this.onCallerFrame(payload, info));
    media.onAgentFrameSent((sentAt, sentBytes) => this.onFrameSent(sentAt, sentBytes));
    media.onItemPlayed((played) => this.onItemPlayed(played));
  }

  /** Agent audio is queued or held: the agent is (about to be) heard. */
  get agentAudioPending(): boolean {
    return this.media.queuedAgentMs > 0 || this.held.length > 0;
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
    const at = this.now();
    for (const chunk of this.held) this.queue(chunk.audio, chunk.itemId, at, chunk.first);
    this.held.length = 0;
    this.heldBytes = 0;
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
    const leg = this.media.agentFormat.encoding;
    // The adapter hands us a fresh buffer per delta: convert in place.
    if (leg === 'pcma' && this.law === 'pcmu') ulawToAlaw(audio, audio);
    else if (leg === 'pcmu' && this.law === 'pcma') alawToUlaw(audio, audio);
    this.lastItemId = event.itemId;
    this.lastResponseId = event.responseId;
    if (!this.holding) return this.queue(audio, event.itemId, at, first);
    if (this.heldBytes + audio.length > MAX_HELD_BYTES) return;
    this.held.push({ audio, itemId: event.itemId, first });
    this.heldBytes += audio.length;
  }

  /**
   * Barge-in: flushes every queued and held byte at once, drops the rest of `activeResponseId`
   * (the response being generated, if any), and returns the item the caller was hearing with
   * the milliseconds of it they heard.
   */
  interrupt(activeResponseId: string | null): ItemPlayed | null {
    if (activeResponseId !== null) this.markInterrupted(activeResponseId);
    this.held.length = 0;
    this.heldBytes = 0;
    let played = this.media.flushAgentAudio();
    this.latency.flushed();
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
    if (audio.length > 0) this.queue(audio, itemId, this.now(), false);
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

  private queue(audio: Uint8Array, itemId: string, at: number, first: boolean): void {
    const followed = this.latency.chunkQueued(this.media.agentBytesQueued, at, first, this.media.queuedAgentMs === 0);
    if (!this.media.playAgentAudio(audio, itemId) && followed) this.latency.chunkDropped();
  }

  private onCallerFrame(payload: Uint8Array, info: CallerAudioInfo): void {
    if (!this.forwarding) return;
    let frame = payload;
    const codec = this.media.codec;
    if (codec === 'PCMA' && this.law === 'pcmu' && payload.length === G711_FRAME) {
      alawToUlaw(payload, this.callerScratch);
      frame = this.callerScratch;
    } else if (codec === 'PCMU' && this.law === 'pcma' && payload.length === G711_FRAME) {
      ulawToAlaw(payload, this.callerScratch);
      frame = this.callerScratch;
    }
    this.session.appendAudio(frame);
    this.latency.callerFrameSent(info.receivedAt, this.now());
  }

  private onFrameSent(sentAt: number, sentBytes: number): void {
    this.latency.frameSent(sentAt, sentBytes);
    // The probe runs after the item-played callback of the same frame: the last frame of a
    // talkspurt must not start a new one.
    if (this.speaking || sentBytes <= this.quietFrom) return;
    this.speaking = true;
    this.events.agentSpeechStarted();
  }

  private onItemPlayed(played: ItemPlayed): void {
    this.lastPlayed = played;
    if (this.media.queuedAgentMs > 0) return;
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
