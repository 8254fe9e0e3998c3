/**
 * A small client for Resend's domain endpoints (https://resend.com/docs/api-reference/domains):
 * `POST /domains`, `GET /domains`, `GET /domains/{id}`, `POST /domains/{id}/verify`,
 * `DELETE /domains/{id}`, and for sending e-mail (`POST /emails`, with an `Idempotency-Key` so a
 * retried send is not delivered twice). Bearer auth; errors come back as `{statusCode, name, message}`.
 * Every request is bounded by a timeout (10 s by default), and every failure is a ResendError.
 */

export interface ResendDomainRecord {
  record?: string;
  name: string;
  type: string;
  ttl?: string;
  status?: string;
  value: string;
  priority?: number;
}

export interface ResendDomain {
  id: string;
  name: string;
  /** not_started | pending | verified | failed | temporary_failure | partially_verified | partially_failed */
  status: string;
  region?: string;
  created_at?: string;
  /** Present on create and get, absent from list items. */
  records?: ResendDomainRecord[];
}

export type ResendRegion = 'us-east-1' | 'eu-west-1' | 'sa-east-1' | 'ap-northeast-1';

export interface ResendEmail {
  /** `Name <address@verified-domain>` */
  from: string;
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
  reply_to?: string | string[];
}

export class ResendError extends Error {
  constructor(
    /** HTTP status from Resend; 0 when Resend did not answer (network error, timeout). */
    readonly status: number,
    /** Resend's error name (`not_found`, `validation_error`, …) or `timeout` / `network_error`. */
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'ResendError';
  }
}

export interface ResendClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_CHARS = 1_000_000;

export class ResendClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ResendClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  createDomain(input: { name: string; region?: ResendRegion }): Promise<ResendDomain> {
    return this.request<ResendDomain>('POST', '/domains', input);
  }

  async listDomains(): Promise<ResendDomain[]> {
    const body = await this.request<{ data?: ResendDomain[] }>('GET', '/domains');
    return Array.isArray(body.data) ? body.data : [];
  }

  getDomain(id: string): Promise<ResendDomain> {
    return this.request<ResendDomain>('GET', `/domains/${encodeURIComponent(id)}`);
  }

  /** Starts Resend's asynchronous verification; read the outcome with getDomain. */
  async verifyDomain(id: string): Promise<void> {
    await this.request('POST', `/domains/${encodeURIComponent(id)}/verify`);
  }

  async deleteDomain(id: string): Promise<void> {
    await this.request('DELETE', `/domains/${encodeURIComponent(id)}`);
  }

  /** Resend answers a repeated `idempotencyKey` (24 h) with the first send's id instead of sending again. */
  sendEmail(email: ResendEmail, idempotencyKey?: string): Promise<{ id: string }> {
    return this.request<{ id: string }>('POST', '/emails', email, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  private async request<T>(method: string, path: string, body?: object, extraHeaders: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...extraHeaders,
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError') throw new ResendError(0, 'timeout', `Resend did not answer within ${this.timeoutMs / 1000} s`);
      throw new ResendError(0, 'network_error', `Resend is unreachable: ${describeCause(e)}`);
    }
    const text = await readText(res, this.timeoutMs);
    const parsed = parseJson(text);
    if (!res.ok) {
      const err = (parsed ?? {}) as { name?: unknown; message?: unknown };
      const message = typeof err.message === 'string' && err.message ? err.message : `HTTP ${res.status}`;
      throw new ResendError(res.status, typeof err.name === 'string' ? err.name : 'http_error', message);
    }
    if (parsed === undefined || parsed === null || typeof parsed !== 'object') {
      throw new ResendError(res.status, 'invalid_response', 'Resend answered with a body that is not a JSON object');
    }
    return parsed as T;
  }
}

function describeCause(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

async function readText(res: Response, timeoutMs: number): Promise<string> {
  try {
    const text = await res.text();
    return text.length > MAX_RESPONSE_CHARS ? '' : text;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new ResendError(0, 'timeout', `Resend did not answer within ${timeoutMs / 1000} s`);
    throw new ResendError(0, 'network_error', `Resend response was cut off: ${(err as Error).message}`);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
