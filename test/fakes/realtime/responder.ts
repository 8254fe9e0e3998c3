/**
 * One response at a time, as the realtime servers stream it: `response.created`, an optional
 * think delay, then either a function call or audio deltas faster than real time with transcript
 * deltas alongside, and `response.done` with usage. Cancellation (barge-in or `response.cancel`)
 * stops the stream and ends the response `cancelled`.
 */
import { Buffer } from 'node:buffer';
import { bytesPerMsOf, synthesizeOutput } from './session-state.js';
import type { FormatInfo } from './session-state.js';
import type { FakeReply, Flavour } from './types.js';

/** What the responder needs from its connection. */
export interface ResponderHost {
  readonly flavour: Flavour;
  outputFormat(): FormatInfo;
  send(event: Record<string, unknown>): void;
  newId(prefix: string): string;
  schedule(ms: number, fn: () => void): NodeJS.Timeout;
  cancelTimer(timer: NodeJS.Timeout): void;
  /** Previous conversation item id (for `conversation.item.added`), updated by the host. */
  addItem(item: Record<string, unknown>): void;
  onDelta(responseId: string, itemId: string, bytes: number, offsetMs: number): void;
  /** Called after the first delta; true = the socket was dropped, stop streaming. */
  afterFirstDelta(): boolean;
  usage(text: string, audioMs: number): Record<string, unknown>;
  readonly chunkMs: number;
  readonly chunkIntervalMs: number;
  readonly defaultAudioMs: number;
  readonly defaultThinkMs: number;
}

export interface AssistantAudioItem {
  /** Audio sent so far, ms. */
  sentMs: number;
  totalMs: number;
}

interface Active {
  id: string;
  itemId?: string;
  text: string;
  timer?: NodeJS.Timeout;
}

export class Responder {
  private active: Active | undefined;
  private count = 0;
  /** Assistant audio items by id, for truncate checks. */
  readonly audioItems = new Map<string, AssistantAudioItem>();
  /** Function calls made, by call id. */
  readonly functionCalls = new Map<string, { name: string }>();

  constructor(private readonly host: ResponderHost) {}

  get activeId(): string | undefined {
    return this.active?.id;
  }

  start(reply: FakeReply, defaultText: string): void {
    const id = this.host.newId('resp');
    this.count++;
    const active: Active = { id, text: reply.text ?? defaultText };
    this.active = active;
    this.host.send({
      type: 'response.created',
      response: { id, object: 'realtime.response', status: 'in_progress', status_details: null, output: [], usage: null },
    });
    active.timer = this.host.schedule(reply.thinkMs ?? this.host.defaultThinkMs, () => {
      if (this.active !== active) return;
      // A tool call alone, or (with audioMs) speech followed by the call in the same response.
      if (reply.toolCall !== undefined && reply.audioMs === undefined) this.callFunction(active, reply.toolCall);
      else this.streamAudio(active, reply.audioMs ?? this.host.defaultAudioMs, reply.toolCall);
    });
  }

  /** Ends the active response early (`turn_detected` or `client_cancelled`). */
  cancel(reason: string): boolean {
    const active = this.active;
    if (active === undefined) return false;
    if (active.timer !== undefined) this.host.cancelTimer(active.timer);
    this.active = undefined;
    const output: Record<string, unknown>[] = [];
    if (active.itemId !== undefined) {
      const item = this.messageItem(active.itemId, 'incomplete', active.text);
      output.push(item);
      this.host.send({ type: 'response.output_item.done', response_id: active.id, output_index: 0, item });
    }
    const heardMs = active.itemId === undefined ? 0 : (this.audioItems.get(active.itemId)?.sentMs ?? 0);
    this.done(active.id, 'cancelled', output, { type: 'cancelled', reason }, this.host.usage(active.text, heardMs));
    return true;
  }

  private callFunction(active: Active, call: NonNullable<FakeReply['toolCall']>, spoken: Record<string, unknown>[] = []): void {
    const itemId = this.host.newId('item');
    const callId = call.callId ?? this.host.newId('call');
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    this.functionCalls.set(callId, { name: call.name });
    const item = { id: itemId, object: 'realtime.item', type: 'function_call', status: 'completed', call_id: callId, name: call.name, arguments: args };
    const outputIndex = spoken.length;
    const base = { response_id: active.id, item_id: itemId, output_index: outputIndex, call_id: callId };
    this.host.send({ type: 'response.output_item.added', response_id: active.id, output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } });
    this.host.addItem(item);
    this.host.send({ type: 'response.function_call_arguments.delta', ...base, delta: args });
    this.host.send({ type: 'response.function_call_arguments.done', ...base, name: call.name, arguments: args });
    this.host.send({ type: 'response.output_item.done', response_id: active.id, output_index: outputIndex, item });
    this.active = undefined;
    this.done(active.id, 'completed', [...spoken, item], null, this.host.usage(args, 0));
  }

  private streamAudio(active: Active, audioMs: number, thenCall?: FakeReply['toolCall']): void {
    const itemId = this.host.newId('item');
    active.itemId = itemId;
    const format = this.host.outputFormat();
    const audio = synthesizeOutput(audioMs, format, this.count);
    const perMs = bytesPerMsOf(format);
    const chunkBytes = Math.max(1, Math.round(this.host.chunkMs * perMs));
    const chunks = Math.max(1, Math.ceil(audio.length / chunkBytes));
    const words = active.text.split(' ');
    const record: AssistantAudioItem = { sentMs: 0, totalMs: audioMs };
    this.audioItems.set(itemId, record);
    const base = { response_id: active.id, item_id: itemId, output_index: 0, content_index: 0 };
    this.host.send({ type: 'response.output_item.added', response_id: active.id, output_index: 0, item: this.messageItem(itemId, 'in_progress', '') });
    this.host.addItem(this.messageItem(itemId, 'in_progress', ''));
    this.host.send({ type: 'response.content_part.added', ...base, part: { type: 'audio', transcript: '' } });

    const sendChunk = (k: number): void => {
      if (this.active !== active) return;
      const from = k * chunkBytes;
      const slice = audio.subarray(from, Math.min(audio.length, from + chunkBytes));
      const text = wordsForChunk(words, k, chunks);
      if (text !== '') this.host.send({ type: 'response.output_audio_transcript.delta', ...base, delta: text });
      this.host.send({ type: 'response.output_audio.delta', ...base, delta: Buffer.from(slice).toString('base64') });
      this.host.onDelta(active.id, itemId, slice.length, from / perMs);
      record.sentMs = (from + slice.length) / perMs;
      if (k === 0 && this.host.afterFirstDelta()) return;
      if (k + 1 < chunks) active.timer = this.host.schedule(this.host.chunkIntervalMs, () => sendChunk(k + 1));
      else this.finishAudio(active, itemId, base, thenCall);
    };
    sendChunk(0);
  }

  private finishAudio(active: Active, itemId: string, base: Record<string, unknown>, thenCall?: FakeReply['toolCall']): void {
    const item = this.messageItem(itemId, 'completed', active.text);
    this.host.send({ type: 'response.output_audio.done', ...base });
    this.host.send({ type: 'response.output_audio_transcript.done', ...base, transcript: active.text });
    this.host.send({ type: 'response.content_part.done', ...base, part: { type: 'audio', transcript: active.text } });
    this.host.send({ type: 'response.output_item.done', response_id: active.id, output_index: 0, item });
    if (thenCall !== undefined) return this.callFunction(active, thenCall, [item]);
    this.active = undefined;
    const totalMs = this.audioItems.get(itemId)?.totalMs ?? 0;
    this.done(active.id, 'completed', [item], null, this.host.usage(active.text, totalMs));
  }

  private done(
    id: string,
    status: string,
    output: Record<string, unknown>[],
    details: Record<string, unknown> | null,
    usage: Record<string, unknown>,
  ): void {
    this.host.send({
      type: 'response.done',
      response: { id, object: 'realtime.response', status, status_details: details, output, usage },
    });
  }

  private messageItem(id: string, status: string, transcript: string): Record<string, unknown> {
    return {
      id,
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status,
      content: transcript === '' ? [] : [{ type: 'output_audio', transcript }],
    };
  }
}

/** The transcript words that go with chunk `k` of `chunks`; concatenated deltas equal the text. */
function wordsForChunk(words: string[], k: number, chunks: number): string {
  let out = '';
  for (let i = 0; i < words.length; i++) {
    if (Math.floor((i * chunks) / words.length) !== k) continue;
    out += i < words.length - 1 ? `${words[i]} ` : words[i];
  }
  return out;
}
