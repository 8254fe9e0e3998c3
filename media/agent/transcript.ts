/**
 * The call's transcript in conversation order, for `call.ended.messages` and the final
 * `transcript` events. A user turn takes its place when the model says the turn ended
 * (speech-stopped), even if its transcription arrives after the agent began to answer; an agent
 * turn takes its place with its first transcript fragment.
 *
 * Barge-in: an engine that knows what the caller heard (the pipeline: its own TTS audio per
 * sentence) gives that text, and the interrupted turn keeps only it. Neither realtime provider
 * sends the transcript of what was heard (OpenAI deletes the unheard text server-side on truncate
 * but sends no new text), so there an interrupted agent turn keeps the text generated so far; it
 * may hold words the caller did not hear. Either way it is flagged `interrupted: true`.
 */
import type { TranscriptEvent } from '../providers/index.js';
import type { TranscriptMessage } from '../protocol.js';

interface Turn {
  role: 'user' | 'assistant';
  itemId: string;
  text: string;
  final: boolean;
  interrupted: boolean;
  /** Final, but not reported until its audio has been heard. */
  held: boolean;
  atMs: number;
}

/** Bound on turns kept (a 30-minute call has a few hundred). */
const MAX_TURNS = 5000;

export interface FinalTurn {
  role: 'user' | 'assistant';
  text: string;
  itemId: string;
  interrupted?: boolean;
  /** Reported before: only the interrupted flag is news. */
  reported?: boolean;
}

export class TranscriptLog {
  private readonly turns: Turn[] = [];
  private readonly byItem = new Map<string, Turn>();

  /** A caller turn ended: its place in the conversation is now, its text comes later. */
  reserveUser(itemId: string, atMs: number): void {
    if (!this.byItem.has(itemId)) this.add('user', itemId, atMs);
  }

  /**
   * A transcript fragment; returns the turn when it just became final (to report it). With
   * `holdUntilHeard` a final turn is kept back until `release()` (its audio was heard) or
   * `interrupt()` (only part of it was).
   */
  onTranscript(event: TranscriptEvent, atMs: number, holdUntilHeard = false): FinalTurn | null {
    const turn = this.byItem.get(event.itemId) ?? this.add(event.role, event.itemId, atMs);
    if (!turn || turn.final) return null;
    if (!event.final) {
      turn.text += event.text;
      return null;
    }
    turn.text = event.text;
    turn.final = true;
    if (holdUntilHeard) {
      turn.held = true;
      return null;
    }
    return { role: turn.role, text: turn.text, itemId: turn.itemId };
  }

  /** Turns held back until heard, oldest first. */
  get heldItems(): string[] {
    return this.turns.filter((t) => t.held).map((t) => t.itemId);
  }

  /** The held turn's audio was heard in full: report it now. */
  release(itemId: string): FinalTurn | null {
    const turn = this.byItem.get(itemId);
    if (!turn?.held) return null;
    turn.held = false;
    return { role: turn.role, text: turn.text, itemId: turn.itemId };
  }

  /**
   * The caller barged in on `itemId`: the turn is closed with `heard` (what the caller heard, when
   * the engine knows it), else with what was generated so far, and flagged. Returns it when this
   * made it final (to report it), or flagged a turn reported before (`reported`).
   */
  interrupt(itemId: string, heard?: string, atMs = 0): FinalTurn | null {
    let turn = this.byItem.get(itemId);
    if (!turn && heard !== undefined && heard.trim() !== '') turn = this.add('assistant', itemId, atMs);
    if (!turn || turn.role !== 'assistant') return null;
    if (turn.final && !turn.held) {
      if (turn.interrupted || turn.text.trim() === '') return null;
      turn.interrupted = true;
      return { role: turn.role, text: turn.text, itemId: turn.itemId, interrupted: true, reported: true };
    }
    turn.interrupted = true;
    turn.final = true;
    turn.held = false;
    if (heard !== undefined) turn.text = heard;
    return turn.text.trim() === '' ? null : { role: turn.role, text: turn.text, itemId: turn.itemId, interrupted: true };
  }

  messages(): TranscriptMessage[] {
    const out: TranscriptMessage[] = [];
    for (const t of this.turns) {
      const content = t.text.trim();
      if (content === '') continue;
      const message: TranscriptMessage = { role: t.role, content, atMs: Math.round(t.atMs) };
      if (t.interrupted) message.interrupted = true;
      out.push(message);
    }
    return out;
  }

  private add(role: 'user' | 'assistant', itemId: string, atMs: number): Turn | undefined {
    if (this.turns.length >= MAX_TURNS) return undefined;
    const turn: Turn = { role, itemId, text: '', final: false, interrupted: false, held: false, atMs };
    this.turns.push(turn);
    this.byItem.set(itemId, turn);
    return turn;
  }
}
