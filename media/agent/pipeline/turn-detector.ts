/**
 * The pipeline's turn-taking (research/pipeline.md §3): from the runtime's voice activity verdict
 * per caller frame and Deepgram's results, it decides
 * - speech onset (a voiced run of `ONSET_MS`): tentative, the agent pauses;
 * - whether an onset is an interruption: confirmed after `interruptionMinSpeechMs` of speech (with
 *   `interruptionMinWords` words) or as soon as words are transcribed; dismissed when the caller
 *   falls silent without words for `falseInterruptionMs` (the agent resumes);
 * - the end of the caller's turn: after Deepgram's `speech_final` (or `from_finalize`) plus a wait
 *   that depends on how the text ends (punctuation, a digit, nothing), or at `UtteranceEnd`; never
 *   earlier than `minEndOfTurnMs` after the last voiced packet and never later than
 *   `maxEndOfTurnMs`. When the caller is silent for `minEndOfTurnMs` and Deepgram has not
 *   finalised, it is asked to (`Finalize`).
 * `frame()` runs per caller frame: counters only; timers change only when the state does.
 */
import type { TimeSource } from '../../clock/time.js';
import type { SttTranscript } from '../../providers/deepgram/live.js';
import type { TurnTakingConfig } from '../config.js';

const FRAME_MS = 20;
/** Voiced audio before an onset counts (a one-frame gap is tolerated). */
const ONSET_MS = 60;
/** Unvoiced audio that ends a voiced run. */
const HANGOVER_MS = 160;
/** Results repeating a turn just ended (a late final) are ignored this long after it. */
const ECHO_WINDOW_MS = 1500;

export interface TurnActions {
  /** The caller began to speak (first voiced packet at `onsetAt`). */
  speechStarted(onsetAt: number): void;
  interruption(confirmed: boolean): void;
  finalize(): void;
  /** The caller's turn is over: its text, its last voiced packet, when it was decided. */
  endOfTurn(text: string, speechEndAt: number, decidedAt: number): void;
  /** Speech that made no turn (noise without words) is over. */
  noTurn(): void;
}

interface Candidate {
  voicedMs: number;
  words: number;
  resolved: boolean;
}

export class TurnDetector {
  private speaking = false;
  private run = 0;
  private runStartAt = 0;
  private unvoiced = 0;
  private lastVoicedAt = -1;
  private candidate: Candidate | null = null;
  private finals = '';
  private interim = '';
  private endpoint = false;
  private utteranceEnded = false;
  private turnActive = false;
  private ended: { text: string; at: number } | null = null;
  private eotTimer: unknown = null;
  private finalizeTimer: unknown = null;
  private dismissTimer: unknown = null;
  private stopped = false;

  constructor(
    private readonly cfg: TurnTakingConfig,
    private readonly time: TimeSource,
    private readonly now: () => number,
    private readonly actions: TurnActions,
  ) {}

  /** The text of the turn so far. */
  get text(): string {
    return join(this.finals, this.interim);
  }

  /** One caller frame's voice activity. */
  frame(voiced: boolean, at: number): void {
    if (this.stopped) return;
    if (voiced) {
      this.lastVoicedAt = at;
      this.unvoiced = 0;
      if (this.speaking) return this.voicedWhileSpeaking();
      if (this.run === 0) this.runStartAt = at;
      this.run += FRAME_MS;
      if (this.run >= ONSET_MS) this.onset();
      return;
    }
    this.unvoiced++;
    if (!this.speaking) {
      if (this.unvoiced > 1) this.run = 0;
    } else if (this.unvoiced * FRAME_MS >= HANGOVER_MS) {
      this.speechEnded();
    }
  }

  transcript(t: SttTranscript): void {
    if (this.stopped) return;
    const text = t.text.trim();
    if (!this.turnActive) {
      if (text === '' || this.isEcho(text)) return;
      this.turnActive = true;
    }
    if (this.candidate && !this.candidate.resolved && t.words > 0) {
      this.candidate.words = Math.max(this.candidate.words, t.words);
      if (this.candidate.words >= Math.max(1, this.cfg.interruptionMinWords)) this.resolve(true);
    }
    if (t.isFinal) {
      this.finals = join(this.finals, text);
      this.interim = '';
      this.endpoint = t.speechFinal || t.fromFinalize;
    } else {
      this.interim = text;
      if (text !== '') this.endpoint = false;
    }
    this.schedule();
  }

  utteranceEnd(): void {
    if (this.stopped || !this.turnActive) return;
    this.utteranceEnded = true;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.clear('eot');
    this.clear('finalize');
    this.clear('dismiss');
  }

  private onset(): void {
    this.speaking = true;
    this.turnActive = true;
    this.utteranceEnded = false;
    this.clear('eot');
    this.clear('finalize');
    this.clear('dismiss');
    if (this.candidate && !this.candidate.resolved) {
      // Speech came back before the pause was judged: the same interruption goes on.
      this.candidate.voicedMs += this.run;
      return this.checkConfirm();
    }
    this.candidate = { voicedMs: this.run, words: 0, resolved: false };
    this.actions.speechStarted(this.runStartAt);
    this.checkConfirm();
  }

  private voicedWhileSpeaking(): void {
    const c = this.candidate;
    if (!c || c.resolved) return;
    c.voicedMs += FRAME_MS;
    this.checkConfirm();
  }

  private checkConfirm(): void {
    const c = this.candidate;
    if (c && !c.resolved && c.voicedMs >= this.cfg.interruptionMinSpeechMs && c.words >= this.cfg.interruptionMinWords) this.resolve(true);
  }

  private speechEnded(): void {
    this.speaking = false;
    this.run = 0;
    const c = this.candidate;
    if (c && !c.resolved) {
      this.dismissTimer = this.time.setTimer(() => {
        this.dismissTimer = null;
        if (c === this.candidate && !c.resolved && c.words === 0) this.resolve(false);
      }, this.cfg.falseInterruptionMs);
    }
    this.finalizeTimer = this.time.setTimer(() => {
      this.finalizeTimer = null;
      if (!this.speaking && !this.endpoint && this.turnActive) this.actions.finalize();
    }, Math.max(0, this.lastVoicedAt + this.cfg.minEndOfTurnMs - this.now()));
    this.schedule();
  }

  private resolve(confirmed: boolean): void {
    const c = this.candidate;
    if (!c || c.resolved) return;
    c.resolved = true;
    this.clear('dismiss');
    this.actions.interruption(confirmed);
    if (!confirmed && this.text === '' && !this.speaking) {
      this.turnActive = false;
      this.clear('eot');
      this.clear('finalize');
      this.actions.noTurn();
    }
  }

  /** (Re)arms the end-of-turn timer from what is known now. */
  private schedule(): void {
    this.clear('eot');
    if (this.speaking || !this.turnActive || this.lastVoicedAt < 0) return;
    const now = this.now();
    const text = this.text;
    const min = this.lastVoicedAt + this.cfg.minEndOfTurnMs;
    const max = this.lastVoicedAt + this.cfg.maxEndOfTurnMs;
    let at: number;
    if (text === '') at = max;
    else if (this.utteranceEnded) at = now;
    else if (this.endpoint) at = now + this.waitFor(text);
    else at = max;
    at = Math.min(max, Math.max(min, at));
    this.eotTimer = this.time.setTimer(() => this.fire(), Math.max(0, at - now));
  }

  private waitFor(text: string): number {
    if (/[.!?…]["')\]]*$/.test(text)) return this.cfg.onPunctuationMs;
    if (/\d$/.test(text)) return this.cfg.onNumberMs;
    return this.cfg.onNoPunctuationMs;
  }

  private fire(): void {
    this.eotTimer = null;
    const text = this.text;
    const speechEndAt = this.lastVoicedAt;
    this.finals = '';
    this.interim = '';
    this.endpoint = false;
    this.utteranceEnded = false;
    this.turnActive = false;
    this.clear('finalize');
    // Silence until the longest wait with no words at all was noise, not a turn.
    if (text === '') return this.actions.noTurn();
    const now = this.now();
    this.ended = { text, at: now };
    this.actions.endOfTurn(text, speechEndAt, now);
  }

  private isEcho(text: string): boolean {
    const e = this.ended;
    return e !== null && this.now() - e.at < ECHO_WINDOW_MS && e.text.includes(text);
  }

  private clear(which: 'eot' | 'finalize' | 'dismiss'): void {
    const key = `${which}Timer` as 'eotTimer' | 'finalizeTimer' | 'dismissTimer';
    if (this[key] !== null) this.time.clearTimer(this[key]);
    this[key] = null;
  }
}

function join(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return `${a} ${b}`;
}
