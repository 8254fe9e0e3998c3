/**
 * What differs between the OpenAI-compatible chat APIs the pipeline streams from. The pipeline
 * branches on these flags; only this table knows vendor names (STYLE §8).
 */
export type ChatProviderName = 'openai' | 'mistral' | 'xai';

export interface ChatCapabilities {
  /** `stream_options.include_usage` exists (Mistral refuses unknown fields; its usage is always on the last chunk). */
  readonly streamUsageOption: boolean;
  /** The request field bounding the reply's tokens. */
  readonly maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Tool-call ids must be 9 letters or digits (ids from elsewhere are mapped). */
  readonly nineCharToolIds: boolean;
  /**
   * The vendor validates message order: the last message is a user or tool message, and no user
   * message directly follows a tool message (instructions go in as user messages).
   */
  readonly strictOrder: boolean;
}

export const CHAT_DEFAULT_BASE_URL: Readonly<Record<ChatProviderName, string>> = Object.freeze({
  openai: 'https://api.openai.com/v1',
  mistral: 'https://api.mistral.ai/v1',
  xai: 'https://api.x.ai/v1',
});

const CAPABILITIES: Readonly<Record<ChatProviderName, ChatCapabilities>> = Object.freeze({
  openai: { streamUsageOption: true, maxTokensField: 'max_completion_tokens', nineCharToolIds: false, strictOrder: false },
  mistral: { streamUsageOption: false, maxTokensField: 'max_tokens', nineCharToolIds: true, strictOrder: true },
  xai: { streamUsageOption: true, maxTokensField: 'max_tokens', nineCharToolIds: false, strictOrder: false },
});

export function chatCapabilities(provider: ChatProviderName): ChatCapabilities {
  return CAPABILITIES[provider];
}
