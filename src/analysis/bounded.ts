/** Waits for `promise` at most `ms`; what it says after that no longer matters to the caller. */
export function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Exponential backoff: base · 2^(n-1) after n failed attempts, capped. */
export function exponentialDelay(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failedAttempts - 1), maxMs);
}
