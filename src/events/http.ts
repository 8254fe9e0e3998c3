/**
 * One HTTP POST to a customer's webhook URL, bounded in time and size, that never follows
 * redirects and refuses private addresses *after* DNS resolution (so a name that resolves to
 * 10.0.0.5 is caught, and DNS rebinding between check and connect is impossible: the check runs in
 * the socket's own lookup). Every failure is a typed outcome, never a thrown exception.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { isPrivateAddress, parseWebhookTarget, WebhookTargetError, type TargetProblem } from './target-guard.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
}

export type PostOutcome =
  | { kind: 'response'; status: number; body: string; durationMs: number }
  | { kind: 'timeout'; durationMs: number }
  | { kind: 'network-error'; message: string; durationMs: number }
  | { kind: 'blocked'; problem: TargetProblem; message: string; durationMs: number };

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup that refuses private results; Node calls it for every connect by host name. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const refused = list.find((a) => isPrivateAddress(a.address));
    if (refused) {
      return callback(new WebhookTargetError('private-address', `webhook host resolves to a private address`), []);
    }
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}

export function postJson(options: PostOptions): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = parseWebhookTarget(options.url, options.allowPrivate);
  } catch (err) {
    const e = err as WebhookTargetError;
    return Promise.resolve({ kind: 'blocked', problem: e.problem, message: e.message, durationMs: 0 });
  }
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(target, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      lookup: options.allowPrivate ? undefined : (guardedLookup as unknown as typeof dnsLookup),
      agent: false, // a fresh connection: no socket shared between tenants
    });
    const deadline = setTimeout(() => {
      finish({ kind: 'timeout', durationMs: elapsed() });
      request.destroy();
    }, options.timeoutMs);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          response.destroy();
          finish({ kind: 'network-error', message: 'response body larger than 1 MiB', durationMs: elapsed() });
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        finish({ kind: 'response', status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), durationMs: elapsed() }),
      );
      response.on('error', (err) => finish({ kind: 'network-error', message: err.message, durationMs: elapsed() }));
    });
    request.on('error', (err) => {
      if (err instanceof WebhookTargetError) finish({ kind: 'blocked', problem: err.problem, message: err.message, durationMs: elapsed() });
      else finish({ kind: 'network-error', message: (err as NodeJS.ErrnoException).code ?? err.message, durationMs: elapsed() });
    });
    request.end(options.body);
  });
}

/** A one-line description of an outcome for the delivery log. */
export function describeOutcome(outcome: PostOutcome): string {
  switch (outcome.kind) {
    case 'response':
      return `HTTP ${outcome.status}`;
    case 'timeout':
      return `timed out after ${outcome.durationMs} ms`;
    case 'network-error':
      return `network error: ${outcome.message}`;
    case 'blocked':
      return `refused target: ${outcome.message}`;
  }
}
