/**
 * Agent domain logic shared by the REST API and the call path (no Fastify, no HTTP):
 * normalisation and defaults of agent configs (flireo-api B §3.2, A.3), tools, analysis plans,
 * the effective runtime config of a call, and provider keys (BYOK else platform).
 */
export { AgentConfigError, type AgentConfigErrorCode } from './errors.js';
export * from './types.js';
export { defaultAgentFields, maskSecret, normalizeAgentFields, MAX_DURATION_SECONDS, SILENCE_TIMEOUT_SECONDS } from './agent-fields.js';
export {
  DEFAULT_TEMPERATURE,
  defaultLlmConfig,
  defaultSttConfig,
  defaultTtsConfig,
  normalizeLlmConfig,
  normalizeMessages,
  normalizeSttConfig,
  normalizeTtsConfig,
} from './provider-configs.js';
export {
  appendTools,
  ensureEndCall,
  normalizeTemplateConfig,
  normalizeTool,
  normalizeToolType,
  normalizeTools,
  slugifyToolName,
  toolFromTemplate,
  toolName,
  TOOL_TYPES,
  type ToolTemplateConfig,
  type ToolType,
} from './tools.js';
export { DEFAULT_MIN_MESSAGES_THRESHOLD, normalizeAnalysisPlan, planFromAnalysisTemplate, type AnalysisTemplateSource } from './analysis-plan.js';
export { jsonSchemaObject } from './check.js';
export { AGENT_COLUMNS, effectiveWebhookFormat, loadAgent, openAgentRow, organizationWebhookFormat, sealWebhookSecret } from './store.js';
export { applyAgentOverride, resolveAgentConfig, type AgentRuntimeConfig } from './runtime.js';
export {
  isByokProvider,
  keyProviderFor,
  ProviderKeyError,
  providerSettings,
  resolveProviderKey,
  resolveProviderKeys,
  type KeySource,
  type ProviderKeyDeps,
  type ResolvedProviderKey,
} from './provider-keys.js';
export { presentAnalysisPlan, presentLlmConfig, presentMessages, presentSttConfig, presentTool, presentTtsConfig } from './present.js';
