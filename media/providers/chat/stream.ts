/**
 * Streaming chat completions through the `openai` package (v6) with each vendor's base URL
 * (OpenAI, Mistral, xAI). One `stream()` per reply: text deltas as they come, tool calls assembled
 * from whatever style the vendor streams (tool-calls.ts), token usage from the usage chunk, and
 * errors classified into stable codes. No retries here: a failing stage fails fast, and the caller
 * hears the apology rather than a long silence.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { chatCapabilities, CHAT_DEFAULT_BASE_URL, type ChatCapabilities, type ChatProviderName } from './capabilities.js';
import { ToolCallAccumulator, type AssembledToolCall } from './tool-calls.js';

export type ChatMessage = ChatCompletionMessageParam;
export type ChatTool = ChatCompletionTool;

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  temperature?: number;
  maxTokens?: number;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatResult {
  text: string;
  toolCalls: AssembledToolCall[];
  usage?: ChatUsage;
  finishReason: string | null;
}

export interface ChatHandlers {
  /** The first content or tool-call delta arrived. */
  firstToken?(): void;
  text?(delta: string): void;
}

export type ChatErrorCode = 'auth_failed' | 'rate_limited' | 'connect_refused' | 'timeout' | 'server_error' | 'bad_request' | 'connection_lost' | 'closed';

export class ChatError extends Error {
  constructor(
    readonly code: ChatErrorCode,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

export interface ChatClientOptions {
  provider: ChatProviderName;
  apiKey: string;
  baseUrl?: string;
  /** Bound on the whole request (default 60 s); the pipeline's own first-token deadline is shorter. */
  timeoutMs?: number;
}

export class ChatClient {
  readonly capabilities: ChatCapabilities;
  private readonly client: OpenAI;

  constructor(options: ChatClientOptions) {
    this.capabilities = chatCapabilities(options.provider);
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl ?? CHAT_DEFAULT_BASE_URL[options.provider],
      maxRetries: 0,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  /** Streams one reply; rejects with a `ChatError`. Abort `signal` to cancel (rejects with `closed`). */
  async stream(req: ChatRequest, handlers: ChatHandlers, signal: AbortSignal): Promise<ChatResult> {
    const body = this.body(req);
    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await this.client.chat.completions.create(body, { signal });
    } catch (err) {
      throw classify(err, signal);
    }
    const tools = new ToolCallAccumulator();
    let text = '';
    let first = true;
    let usage: ChatUsage | undefined;
    let finishReason: string | null = null;
    try {
      for await (const chunk of stream) {
        if (chunk.usage) usage = mapUsage(chunk.usage);
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta ?? {};
        const content = typeof delta.content === 'string' ? delta.content : '';
        if (content !== '' || (delta.tool_calls?.length ?? 0) > 0) {
          if (first) handlers.firstToken?.();
          first = false;
        }
        if (content !== '') {
          text += content;
          handlers.text?.(content);
        }
        tools.add(delta.tool_calls as Parameters<ToolCallAccumulator['add']>[0]);
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (err) {
      throw classify(err, signal, true);
    }
    return { text, toolCalls: tools.calls(), ...(usage && { usage }), finishReason };
  }

  private body(req: ChatRequest): ChatCompletionCreateParamsStreaming {
    const body: Record<string, unknown> = { model: req.model, messages: req.messages, stream: true };
    if (req.tools && req.tools.length > 0) {
      body.tools = req.tools;
      body.tool_choice = 'auto';
    }
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.maxTokens !== undefined) body[this.capabilities.maxTokensField] = req.maxTokens;
    if (this.capabilities.streamUsageOption) body.stream_options = { include_usage: true };
    return body as unknown as ChatCompletionCreateParamsStreaming;
  }
}

function mapUsage(u: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }): ChatUsage {
  const promptTokens = u.prompt_tokens ?? 0;
  const completionTokens = u.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u.total_tokens ?? promptTokens + completionTokens };
}

function classify(err: unknown, signal: AbortSignal, midStream = false): ChatError {
  if (err instanceof ChatError) return err;
  if (signal.aborted || err instanceof OpenAI.APIUserAbortError) return new ChatError('closed', 'the request was cancelled');
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new ChatError('timeout', 'the LLM request timed out');
  if (err instanceof OpenAI.APIConnectionError) {
    return midStream ? new ChatError('connection_lost', `the LLM stream broke: ${err.message}`) : new ChatError('connect_refused', `cannot reach the LLM: ${err.message}`);
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const message = `the LLM answered HTTP ${status}: ${err.message}`;
    if (status === 401 || status === 403) return new ChatError('auth_failed', message, status);
    if (status === 429) return new ChatError('rate_limited', message, status);
    if (status >= 500) return new ChatError('server_error', message, status);
    if (status === 0) return new ChatError('connection_lost', message);
    return new ChatError('bad_request', message, status);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ChatError(midStream ? 'connection_lost' : 'connect_refused', `the LLM request failed: ${message}`);
}
