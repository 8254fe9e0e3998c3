/** AgentConfigError (src/agents) → the API's error catalogue, same code and `param`. */
import { AgentConfigError } from '../../../agents/index.js';
import { ApiError } from '../../errors.js';

export function toApiError(err: unknown): unknown {
  if (!(err instanceof AgentConfigError)) return err;
  return new ApiError(err.code, err.message, { param: err.param, details: [`${err.param}: ${err.problem}`] });
}

/** Runs a normaliser and rethrows its refusals as ApiErrors. */
export function validated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toApiError(err);
  }
}
