/**
 * The model's tool calls, run in the main thread (DESIGN §3 step 7): custom tools become a
 * `tool-calls` webhook to the tool's `url` (else the agent's `webhook_url`) answered within 10 s,
 * and async tools are answered at once with their `asyncResponse` while the webhook goes out
 * (`transfer_call` is the call owner's, see transfer.ts). Every outcome is a value the model can
 * speak about — a failing webhook never ends the call.
 */
import type { AgentRuntimeConfig as ResolvedAgent, FunctionTool } from '../agents/index.js';
import { TOOL_CALLS_TIMEOUT_MS, toolCallsPayload, type EventOrigin, type WebhookCallContext, type WebhookEmitter } from '../events/index.js';

export interface ToolOutcome {
  result: unknown;
  error?: string;
}


/** Reads the four reply shapes of flireo-api B §4.4. */
export function toolReplyResult(body: unknown, toolCallId: string): ToolOutcome {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const reply = body as Record<string, unknown>;
    if (Array.isArray(reply.results)) {
      const entries = reply.results as Array<Record<string, unknown>>;
      const mine = entries.find((r) => r && (r.toolCallId === toolCallId || r.tool_call_id === toolCallId)) ?? entries[0];
      if (mine && typeof mine.error === 'string') return { result: null, error: mine.error };
      return { result: mine?.result ?? null };
    }
    if ('result' in reply) return { result: reply.result };
    if (typeof reply.error === 'string') return { result: null, error: reply.error };
  }
  return { result: body };
}

export interface ToolCallRequest {
  toolCallId: string;
  name: string;
  arguments: unknown;
}

/** A tool the engine runs itself (no URL), e.g. addToDoNotCall; null when `name` is not one. */
export type BuiltinTool = (call: ToolCallRequest) => Promise<ToolOutcome> | null;

export class ToolRunner {
  constructor(
    private readonly emitter: WebhookEmitter,
    private readonly agent: ResolvedAgent,
    private readonly origin: EventOrigin,
    private readonly context: () => WebhookCallContext,
    private readonly builtin: BuiltinTool = () => null,
  ) {}

  async run(call: ToolCallRequest): Promise<ToolOutcome> {
    const tool = this.agent.tools.functions.find((t) => t.name === call.name);
    if (!tool) return { result: null, error: `Unknown tool "${call.name}".` };
    const own = tool.url ? null : this.builtin(call);
    if (own) return own;
    const url = tool.url ?? this.agent.webhook.url;
    if (!url) return { result: null, error: `The tool "${call.name}" has no URL to call.` };
    const pending = this.post(tool, url, call);
    if (tool.async) {
      void pending; // fire and forget: the outcome is in the delivery log
      return { result: tool.asyncResponse ?? 'The request has been sent and is being processed.' };
    }
    return pending;
  }

  private async post(tool: FunctionTool, url: string, call: ToolCallRequest): Promise<ToolOutcome> {
    const args = call.arguments !== null && typeof call.arguments === 'object' ? (call.arguments as Record<string, unknown>) : {};
    const payload = toolCallsPayload(this.context(), [{ id: call.toolCallId, name: tool.name, arguments: args }]);
    const webhook = { ...this.agent.webhook, url };
    const outcome = await this.emitter.request(this.origin, webhook, 'tool-calls', payload, { url, timeoutMs: TOOL_CALLS_TIMEOUT_MS });
    if (!outcome.ok) return { result: null, error: `The tool "${tool.name}" failed: ${outcome.reason}.` };
    return toolReplyResult(outcome.body, call.toolCallId);
  }
}
