/**
 * Why an agent configuration was refused. Thrown by the normalisers of this module; the REST API
 * turns it into its error body (same code and `param`), the call path falls back to the saved
 * agent when an `assistant-request` override is refused.
 */
export type AgentConfigErrorCode = 'invalid_request' | 'missing_field' | 'invalid_phone_number' | 'conflict';

export class AgentConfigError extends Error {
  constructor(
    readonly code: AgentConfigErrorCode,
    /** The offending field as a client writes it: `llm_config.tools[0].name`. */
    readonly param: string,
    /** What is wrong with it: `must be a string`. */
    readonly problem: string,
  ) {
    super(`${param} ${problem}`);
    this.name = 'AgentConfigError';
  }
}

export const invalidField = (param: string, problem: string): AgentConfigError => new AgentConfigError('invalid_request', param, problem);

export const missing = (param: string): AgentConfigError => new AgentConfigError('missing_field', param, 'is required');

export const duplicate = (param: string, problem: string): AgentConfigError => new AgentConfigError('conflict', param, problem);
