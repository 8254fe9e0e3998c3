/**
 * One spoken reply of the pipeline: pieces of text (sentences or clauses) go to a TTS utterance
 * as they come, its audio is converted to the call's format and handed on in order, and the reply
 * remembers how many bytes of audio each piece became, so that a barge-in knows which words the
 * caller heard. A TTS that sends no audio within `ttsTimeoutMs` of a request fails the reply.
 */
import type { TimeSource } from '../../clock/time.js';
import type { TtsAudio, TtsEngine, TtsError, TtsUtterance } from '../../providers/tts.js';
import type { AudioOut } from './audio-out.js';

export interface ReplyEvents {
  /** A piece's TTS request went out. */
  request(piece: number): void;
  /** Converted audio for the caller. */
  audio(data: Uint8Array): void;
  /** All pieces spoken (after `finish()`). */
  done(): void;
  error(err: TtsError): void;
}

interface Piece {
  text: string;
  bytes: number;
}

export class Reply {
  private readonly utterance: TtsUtterance;
  private readonly pieces: Piece[] = [];
  private unattributed = 0;
  private totalBytes = 0;
  private deadline: unknown = null;
  private waitingSince = -1;
  private closed = false;

  constructor(
    tts: TtsEngine,
    private readonly out: AudioOut,
    private readonly time: TimeSource,
    private readonly ttsTimeoutMs: number,
    private readonly events: ReplyEvents,
  ) {
    this.utterance = tts.utterance();
    const e = this.utterance.events;
    e.on('request', ({ sentence }) => events.request(sentence));
    e.on('audio', (audio) => this.onAudio(audio));
    e.on('done', () => {
      this.closeUp();
      events.done();
    });
    e.on('error', (err) => this.fail(err));
  }

  /** The text spoken so far (every piece pushed). */
  get text(): string {
    return this.pieces.map((p) => p.text).join(' ');
  }

  /** Characters of piece `i` (0 when unknown). */
  pieceLength(i: number): number {
    return this.pieces[i]?.text.length ?? 0;
  }

  get audioBytes(): number {
    return this.totalBytes;
  }

  speak(text: string): void {
    if (this.closed) return;
    this.pieces.push({ text, bytes: 0 });
    this.utterance.push(text);
    this.armDeadline();
  }

  finish(): void {
    if (!this.closed) this.utterance.end();
  }

  cancel(): void {
    if (this.closed) return;
    this.closeUp();
    this.utterance.cancel();
  }

  /** The words of the reply the caller heard in `playedMs` of its audio. */
  heardText(playedMs: number): string {
    let left = playedMs * this.out.bytesPerMs;
    const known = this.pieces.reduce((n, p) => n + p.bytes, 0);
    const chars = this.pieces.reduce((n, p) => n + p.text.length, 0) || 1;
    const words: string[] = [];
    for (const p of this.pieces) {
      // Audio the vendor did not attribute is shared out by text length.
      const bytes = p.bytes + (this.unattributed * p.text.length) / chars;
      if (bytes <= 0 && known + this.unattributed > 0) break;
      if (left >= bytes) {
        words.push(p.text);
        left -= bytes;
        continue;
      }
      const all = p.text.split(/\s+/);
      const heard = Math.floor((all.length * left) / Math.max(1, bytes));
      if (heard > 0) words.push(all.slice(0, heard).join(' '));
      break;
    }
    return words.join(' ').trim();
  }

  private onAudio(audio: TtsAudio): void {
    if (this.closed) return;
    const data = this.out.convert(audio);
    if (data.length === 0) return;
    this.totalBytes += data.length;
    const piece = audio.sentence >= 0 ? this.pieces[audio.sentence] : undefined;
    if (piece) piece.bytes += data.length;
    else this.unattributed += data.length;
    this.clearDeadline();
    this.events.audio(data);
  }

  /** A request without audio yet is waited for at most `ttsTimeoutMs`. */
  private armDeadline(): void {
    if (this.deadline !== null || this.ttsTimeoutMs <= 0) return;
    this.waitingSince = this.time.now();
    this.deadline = this.time.setTimer(() => {
      this.deadline = null;
      this.fail({ code: 'timeout', message: `text to speech sent no audio within ${this.ttsTimeoutMs} ms` });
    }, this.ttsTimeoutMs);
  }

  private clearDeadline(): void {
    if (this.deadline !== null) this.time.clearTimer(this.deadline);
    this.deadline = null;
    this.waitingSince = -1;
  }

  private fail(err: TtsError): void {
    if (this.closed) return;
    this.closeUp();
    this.utterance.cancel();
    this.events.error(err);
  }

  private closeUp(): void {
    this.closed = true;
    this.clearDeadline();
    this.out.destroy();
  }
}
