/**
 * The LLM that analyses a call: OpenAI, Mistral or xAI through their OpenAI-compatible chat API
 * (the `openai` package with the provider's base URL from config), keyed with the organization's
 * BYOK key, else the platform key (flireo-api A.3). Which provider: ANALYSIS_LLM_PROVIDER, else
 * the agent's own chat provider (a realtime agent's vendor), else OpenAI; which model:
 * ANALYSIS_LLM_MODEL, else the agent's model when it is the agent's provider, else a small default.
 */
import OpenAI from 'openai';
import { resolveProviderKey, type ProviderKeyDeps } from '../agents/provider-keys.js';
import type { AnalysisProviderName, Config } from '../config.js';

export const DEFAULT_ANALYSIS_MODELS: Readonly<Record<AnalysisProviderName, string>> = {
  openai: 'gpt-4o-mini',
  mistral: 'mistral-small-latest',
  xai: 'grok-3-mini',
};

/** The chat provider behind each agent provider: a realtime agent's vendor also serves chat. */
const CHAT_PROVIDER: Readonly<Record<string, AnalysisProviderName>> = {
  openai: 'openai',
  mistral: 'mistral',
  xai: 'xai',
  openai_realtime: 'openai',
  xai_realtime: 'xai',
};
const PIPELINE = new Set(['openai', 'mistral', 'xai']);

export interface AnalysisLlm {
  provider: AnalysisProviderName;
  model: string;
  client: OpenAI;
}

/**
 * A failure of one analysis step. `retryable` ones (provider down, rate limit, timeout) are tried
 * again later. `kind` says whose it is: the provider's (no key, refused, unreachable) or the
 * model's output (invalid after the retry, a refusal to answer, an unusable schema).
 */
export class AnalysisFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly kind: 'provider' | 'output' = 'provider',
  ) {
    super(message);
    this.name = 'AnalysisFailure';
  }
}

export function chooseModel(settings: Config['analysis'], agentLlm: { provider: string; model: string } | null): { provider: AnalysisProviderName; model: string } {
  const agentProvider = agentLlm ? CHAT_PROVIDER[agentLlm.provider] : undefined;
  const provider = settings.provider ?? agentProvider ?? 'openai';
  // A realtime agent's model is a speech model, not a chat model.
  const agentModel = agentLlm && PIPELINE.has(agentLlm.provider) && agentLlm.provider === provider ? agentLlm.model : null;
  return { provider, model: settings.model ?? agentModel ?? DEFAULT_ANALYSIS_MODELS[provider] };
}

export interface LlmDeps extends ProviderKeyDeps {
  config: ProviderKeyDeps['config'] & { readonly analysis: Config['analysis'] };
}

/** The client for an organization's analysis; throws a permanent AnalysisFailure without a key. */
export async function analysisLlm(deps: LlmDeps, orgId: string, agentLlm: { provider: string; model: string } | null): Promise<AnalysisLlm> {
  const { provider, model } = chooseModel(deps.config.analysis, agentLlm);
  let key: Awaited<ReturnType<typeof resolveProviderKey>>;
  try {
    key = await resolveProviderKey(deps, orgId, provider);
  } catch (err) {
    throw new AnalysisFailure((err as Error).message, false);
  }
  if (!key) throw new AnalysisFailure(`no ${provider} API key (BYOK or platform) for the analysis`, false);
  // The SDK retries 408/409/429/5xx and connection errors twice with backoff (honouring Retry-After);
  // each attempt is bounded by the request timeout.
  const client = new OpenAI({ apiKey: key.apiKey, baseURL: key.baseUrl, timeout: deps.config.analysis.requestTimeoutMs, maxRetries: 2 });
  return { provider, model, client };
}

/** 408, 409, 429, 5xx and no answer at all mean "later"; other refusals mean "never" as asked. */
export function classifyLlmError(err: unknown, provider: string): AnalysisFailure {
  if (err instanceof AnalysisFailure) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new AnalysisFailure(`${provider} did not answer in time`, true);
  if (err instanceof OpenAI.APIConnectionError) return new AnalysisFailure(`${provider} is unreachable`, true);
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const retryable = err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
    return new AnalysisFailure(`${provider} answered ${err.status}: ${err.message.replace(/^\d{3}\s*/, '')}`, retryable);
  }
  return new AnalysisFailure(`${provider} request failed: ${(err as Error)?.message ?? String(err)}`, true);
}

/** Output tokens, spelt as each provider accepts it (Mistral refuses `max_completion_tokens`). */
export function outputLimit(provider: AnalysisProviderName, tokens: number): { max_tokens: number } | { max_completion_tokens: number } {
  return provider === 'openai' ? { max_completion_tokens: tokens } : { max_tokens: tokens };
}
