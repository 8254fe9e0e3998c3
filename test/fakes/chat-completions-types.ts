/** Types of the chat-completions fake (chat-completions.ts): scripts, recorded requests, styles. */

/**
 * How a vendor streams and refuses (research/pipeline.md §2.4):
 * - `openai`: tool calls in fragments keyed by `index` (id, type and name in the first fragment);
 * - `mistral`: each tool call whole in one chunk, no `index`; 9-character alphanumeric tool-call ids;
 *   strict message order; unknown top-level fields are refused (422 `extra_forbidden`); usage is
 *   always in the last chunk (`stream_options` does not exist there);
 * - `xai`: each tool call whole with `index`, `reasoning_content` deltas, empty keep-alive chunks.
 */
export type ChatStyle = 'openai' | 'mistral' | 'xai';

export interface ChatMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: Array<{ id?: string; type?: string; function?: { name?: string; arguments?: string } }>;
  tool_call_id?: string;
  prefix?: boolean;
  [key: string]: unknown;
}

export interface ChatTool {
  type: string;
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

export type ToolChoice = 'none' | 'auto' | 'required' | 'any' | { type: 'function'; function: { name: string } };

/** One request as the fake received it (valid or not). */
export interface RecordedChatRequest {
  /** 0-based order of arrival. */
  seq: number;
  method: string;
  path: string;
  authorization: string | undefined;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
  model: string | undefined;
  messages: ChatMessage[];
  tools: ChatTool[] | undefined;
  toolChoice: ToolChoice | undefined;
  temperature: number | undefined;
  responseFormat: ResponseFormat | undefined;
  stream: boolean;
  includeUsage: boolean;
  receivedAt: number;
  /** What the fake answered: an HTTP status (200 for streams), or `hang` / `dropped`. */
  outcome?: number | 'hang' | 'dropped';
  /** The client closed the connection before the answer was complete (its deadline fired). */
  aborted: boolean;
}

export interface ScriptedToolCall {
  name: string;
  /** A JSON string (sent as is, even if invalid) or an object (serialised). */
  arguments: string | Record<string, unknown>;
  /** Default: a vendor-looking id (`call_…` for OpenAI/xAI, 9 alphanumerics for Mistral). */
  id?: string;
}

export interface Timing {
  /** Before the first token (streams: after the headers). */
  firstTokenDelayMs?: number;
  /** Between two chunks of a stream (and per chunk of generation time for non-streamed answers). */
  chunkDelayMs?: number;
}

/** What the "model" answers. */
export interface ScriptedReply extends Timing {
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  /**
   * Answer this value as JSON by the means the request asked for: the forced tool's arguments
   * when `tool_choice` names a function (or is `required`/`any` with one tool), else the content.
   */
  json?: unknown;
  /** `reasoning_content` (sent in the `xai` style only, like the vendor). */
  reasoning?: string;
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/** What goes wrong instead. */
export type ScriptedFailure =
  /** An HTTP error with the style's error body; `retryAfterSeconds` sets `Retry-After`. */
  | { fail: 'status'; status: number; message?: string; retryAfterSeconds?: number }
  /** Accept the request and never answer: the client's deadline must fire. */
  | { fail: 'hang' }
  /** Streams: cut the connection after `afterChunks` chunks; non-streamed: reset without an answer. */
  | { fail: 'drop'; afterChunks?: number };

export type ScriptStep = ScriptedReply | ScriptedFailure;

/** A fixed step, or a function of the request (undefined: fall through to the next rule). */
export type Responder = ScriptStep | ((req: RecordedChatRequest) => ScriptStep | undefined | Promise<ScriptStep | undefined>);

export interface FakeChatOptions {
  style?: ChatStyle;
  apiKey?: string;
  /** When set, other models are refused with the vendor's 404 (else any model is accepted). */
  models?: string[];
  /** Defaults for every reply (a reply's own values win). */
  firstTokenDelayMs?: number;
  chunkDelayMs?: number;
  /** `xai` style: an empty keep-alive chunk this often while the model "thinks" (default 200 ms). */
  keepAliveMs?: number;
  /** Answer when nothing is scripted (default: a short sentence). */
  defaultReply?: Responder;
}

export function isFailure(step: ScriptStep): step is ScriptedFailure {
  return 'fail' in step;
}
