/**
 * The latency waterfall of each answered caller turn (for `call.ended.latency`), realtime and
 * pipeline alike: caller's last voiced packet → end of turn decided → LLM request → LLM first
 * token → first sentence → TTS request → first TTS audio → first RTP packet of the reply. The
 * engine reports its own marks (`turn-marks`); the runtime adds the first audio received and the
 * first RTP packet sent, and barge-ins (caller's speech onset → the agent's last RTP packet).
 * Nothing here runs per frame except `frameSent` (two number writes).
 */
import type { BargeInLatency, CallLatency, LatencyPercentiles, TurnLatency, TurnLatencyField } from '../protocol.js';
import type { TurnMarks } from './engine.js';

/** Turns kept at most (a 30-minute call has a few hundred). */
const MAX_TURNS = 2000;
const FIELDS: readonly TurnLatencyField[] = ['endOfTurnMs', 'llmRequestMs', 'llmFirstTokenMs', 'llmFirstSentenceMs', 'ttsRequestMs', 'ttsFirstAudioMs', 'firstRtpMs'];

interface OpenTurn {
  latency: TurnLatency;
  speechEndAt: number;
}

export class TurnLatencyLog {
  private readonly turns: TurnLatency[] = [];
  private readonly bargeIns: BargeInLatency[] = [];
  private readonly open = new Map<string, OpenTurn>();
  private onsetAt = -1;
  private lastRtpAt = -1;

  constructor(private readonly engine: 'realtime' | 'pipeline') {}

  /** The engine decided a caller turn and started response `marks.responseId` for it. */
  onMarks(marks: TurnMarks): void {
    if (this.turns.length >= MAX_TURNS) return;
    const rel = (at: number | undefined): number | null => (at === undefined ? null : round(at - marks.speechEndAt));
    const latency: TurnLatency = {
      turn: this.turns.length + 1,
      engine: this.engine,
      endOfTurnMs: rel(marks.endOfTurnAt),
      llmRequestMs: rel(marks.llmRequestAt),
      llmFirstTokenMs: rel(marks.llmFirstTokenAt),
      llmFirstSentenceMs: rel(marks.llmFirstSentenceAt),
      ttsRequestMs: rel(marks.ttsRequestAt),
      ttsFirstAudioMs: rel(marks.ttsFirstAudioAt),
      firstRtpMs: null,
      interrupted: false,
    };
    this.turns.push(latency);
    this.open.set(marks.responseId, { latency, speechEndAt: marks.speechEndAt });
    if (this.open.size > 8) this.open.delete(this.open.keys().next().value as string);
  }

  /** Later marks of an open turn (the pipeline reports them as its stages reach them). */
  update(marks: TurnMarks): void {
    const t = this.open.get(marks.responseId);
    if (!t) return this.onMarks(marks);
    const set = (field: TurnLatencyField, at: number | undefined): void => {
      if (at !== undefined && t.latency[field] === null) t.latency[field] = round(at - t.speechEndAt);
    };
    set('endOfTurnMs', marks.endOfTurnAt);
    set('llmRequestMs', marks.llmRequestAt);
    set('llmFirstTokenMs', marks.llmFirstTokenAt);
    set('llmFirstSentenceMs', marks.llmFirstSentenceAt);
    set('ttsRequestMs', marks.ttsRequestAt);
    set('ttsFirstAudioMs', marks.ttsFirstAudioAt);
  }

  /** The first audio of `responseId` arrived (the realtime engine's TTS step). */
  firstAudio(responseId: string, at: number): void {
    const t = this.open.get(responseId);
    if (t && t.latency.ttsFirstAudioMs === null) t.latency.ttsFirstAudioMs = round(at - t.speechEndAt);
  }

  /** The first byte of `responseId`'s audio went out on RTP. */
  firstRtp(responseId: string, at: number): void {
    const t = this.open.get(responseId);
    if (!t || t.latency.firstRtpMs !== null) return;
    t.latency.firstRtpMs = round(at - t.speechEndAt);
  }

  interrupted(responseId: string | null): void {
    if (responseId === null) return;
    const t = this.open.get(responseId);
    if (t) t.latency.interrupted = true;
  }

  /** An agent frame went out (per frame: keep it to a store). */
  frameSent(at: number): void {
    this.lastRtpAt = at;
  }

  /** The caller started speaking over the agent (first voiced packet of the run). */
  bargeInOnset(at: number): void {
    if (this.onsetAt < 0) this.onsetAt = at;
  }

  /** The barge-in was decided (flushed, or resumed as false): the agent's last frame is known. */
  bargeInResolved(confirmed: boolean): void {
    if (this.onsetAt < 0) return;
    if (this.bargeIns.length < MAX_TURNS) this.bargeIns.push({ onsetToLastRtpMs: round(Math.max(0, this.lastRtpAt - this.onsetAt)), confirmed });
    this.onsetAt = -1;
  }

  report(): CallLatency {
    const summary: CallLatency['summary'] = {};
    for (const field of FIELDS) {
      const values = this.turns.map((t) => t[field]).filter((v): v is number => v !== null);
      if (values.length > 0) summary[field] = percentiles(values);
    }
    if (this.bargeIns.length > 0) summary.bargeIn = percentiles(this.bargeIns.map((b) => b.onsetToLastRtpMs));
    return { turns: this.turns.map((t) => ({ ...t })), bargeIns: [...this.bargeIns], summary };
  }
}

/** Nearest-rank p50 and p95. */
export function percentiles(values: readonly number[]): LatencyPercentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { p50: rank(50), p95: rank(95), count: sorted.length };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
