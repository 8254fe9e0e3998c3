/**
 * The model's function calls. `end_call` is the worker's own (it ends the call after the
 * goodbye); custom tools and `transfer_call` go to the main thread, which runs the webhook or the
 * transfer and answers with `call.tool-result` (DESIGN §3 step 7). Calls that cannot run (arguments
 * that are not a JSON object, a tool the agent does not have) are answered here with an error the
 * model can speak about. When the last open call of a turn is answered, the model is asked to go on.
 */
import type { TimeSource } from '../clock/time.js';
import type { ToolCallEvent } from '../providers/index.js';
import { END_CALL_TOOL } from './config.js';

export interface ToolRouterDeps {
  time: TimeSource;
  /** Tools the main thread runs (custom tools and `transfer_call`). */
  remoteTools: ReadonlySet<string>;
  /** Posts `call.tool-call` to the main thread. */
  callRemote(toolCallId: string, name: string, args: Record<string, unknown>): void;
  /** Returns a result to the model without asking for a response. */
  sendResult(toolCallId: string, output: string): boolean;
  /** Every open call of the turn is answered: ask the model to continue. */
  continueTurn(): void;
  endCall(call: ToolCallEvent): void;
  /** Safety net behind the main thread's own deadlines, ms. */
  timeoutMs: number;
}

export class ToolRouter {
  private readonly open = new Map<string, unknown>();
  private calls = 0;

  constructor(private readonly deps: ToolRouterDeps) {}

  /** Tool calls are open: the model waits for us, not for the caller. */
  get busy(): boolean {
    return this.open.size > 0;
  }

  get count(): number {
    return this.calls;
  }

  onToolCall(call: ToolCallEvent): void {
    this.calls++;
    if (call.name === END_CALL_TOOL) return this.deps.endCall(call);
    if (call.argumentsError !== undefined) return this.answerLocally(call.callId, call.argumentsError);
    if (!this.deps.remoteTools.has(call.name)) return this.answerLocally(call.callId, `unknown tool: ${call.name}`);
    const timer = this.deps.time.setTimer(() => this.onResult(call.callId, undefined, 'the tool did not answer in time'), this.deps.timeoutMs);
    this.open.set(call.callId, timer);
    this.deps.callRemote(call.callId, call.name, call.arguments);
  }

  /** `call.tool-result` from the main thread; unknown or already answered ids are ignored. */
  onResult(toolCallId: string, result: unknown, error?: string): void {
    const timer = this.open.get(toolCallId);
    if (timer === undefined) return;
    this.deps.time.clearTimer(timer);
    this.open.delete(toolCallId);
    this.deps.sendResult(toolCallId, toolOutput(result, error));
    if (this.open.size === 0) this.deps.continueTurn();
  }

  close(): void {
    for (const timer of this.open.values()) this.deps.time.clearTimer(timer);
    this.open.clear();
  }

  private answerLocally(toolCallId: string, error: string): void {
    this.deps.sendResult(toolCallId, toolOutput(undefined, error));
    if (this.open.size === 0) this.deps.continueTurn();
  }
}

/** The model takes tool output as a string: strings pass, the rest is JSON, errors `{"error": …}`. */
export function toolOutput(result: unknown, error?: string): string {
  if (error !== undefined) return JSON.stringify({ error });
  if (typeof result === 'string') return result;
  if (result === undefined) return 'null';
  try {
    return JSON.stringify(result) ?? 'null';
  } catch {
    return JSON.stringify({ error: 'the tool result could not be serialised' });
  }
}
