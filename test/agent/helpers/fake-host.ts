/** A `WorkerHost` double: records what the call logic posts to the main thread. */
import { performance } from 'node:perf_hooks';
import type { WorkerHost } from '../../../media/call/types.js';
import type { CallEvent, CallOutbound } from '../../../media/protocol.js';

export type HangupPost = Extract<CallOutbound, { type: 'call.hangup-request' }>;
export type ToolCallPost = Extract<CallOutbound, { type: 'call.tool-call' }>;

export class FakeHost implements WorkerHost {
  readonly callId = 'call-agent-test';
  readonly workerIndex = 0;
  readonly posts: CallOutbound[] = [];

  constructor(readonly logicOptions: unknown = {}) {}

  post(msg: CallOutbound): void {
    this.posts.push(msg);
  }

  event(event: CallEvent): void {
    this.post({ type: 'call.event', event });
  }

  toolCall(toolCallId: string, name: string, args: unknown): void {
    this.post({ type: 'call.tool-call', toolCallId, name, arguments: args });
  }

  requestHangup(reason: string): void {
    this.post({ type: 'call.hangup-request', reason });
  }

  requestTransfer(destination: string, message?: string): void {
    this.post({ type: 'call.transfer-request', destination, message });
  }

  now(): number {
    return performance.now();
  }

  get events(): CallEvent[] {
    return this.posts.flatMap((p) => (p.type === 'call.event' ? [p.event] : []));
  }

  get hangups(): HangupPost[] {
    return this.posts.filter((p): p is HangupPost => p.type === 'call.hangup-request');
  }

  get toolCalls(): ToolCallPost[] {
    return this.posts.filter((p): p is ToolCallPost => p.type === 'call.tool-call');
  }

  eventsOf<K extends CallEvent['kind']>(kind: K): Extract<CallEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<CallEvent, { kind: K }> => e.kind === kind);
  }
}
