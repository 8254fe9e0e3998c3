/**
 * The logging surface `sip/` needs: a subset of pino's, so the engine passes its pino child
 * logger straight in. Messages are constant strings; values go in the object argument, and
 * anything personal (numbers, URIs, bodies) under `pii`.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => undefined;

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
