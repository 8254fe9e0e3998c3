/**
 * The vendor's Node SDK (`hmsovereign` v1.0.1, github.com/flireo-bv-org/hmsovereign-node) as the
 * wire sees it, reproduced in these tests' own words. The package is not on the registry this
 * project installs from, so the contract tests cannot import it; what matters for voxgate is what
 * each of its 59 public methods puts on the wire and how it reads the answer, and that is small:
 *
 * - every request: `Authorization: Bearer <key>`, `Content-Type: application/json` (also on GET
 *   and DELETE), `User-Agent: hmsovereign-node/1.0.0`; URL = base URL + path, with the query
 *   parameters whose value is not undefined, as strings; a body only when one is given (a falsy
 *   body is not sent), JSON-encoded (so `undefined` fields vanish);
 * - a 2xx is parsed as JSON (204: nothing); an error body's `error` (else `message`, else the
 *   status text) becomes the error's message; 401, 402, 404 and 429 become their own error classes,
 *   429 reading `Retry-After` as seconds; only 5xx and 429 are retried (not reproduced: voxgate's
 *   contract tests never see either, and a retry would not change the request);
 * - each method unwraps one wrapper key (`assistants`, `assistant`, `trunk`, …) or returns the body
 *   as it is, exactly as listed below.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The SDK's public methods, by name (59 in v1.0.1). */
export const SDK_METHODS = [
  'assistants.list', 'assistants.get', 'assistants.create', 'assistants.update', 'assistants.delete',
  'calls.list', 'calls.listAll', 'calls.get', 'calls.create', 'calls.control', 'calls.injectContext', 'calls.say', 'calls.end', 'calls.transfer',
  'numbers.list', 'numbers.get', 'numbers.create', 'numbers.update', 'numbers.delete',
  'campaigns.list', 'campaigns.get', 'campaigns.create', 'campaigns.update', 'campaigns.delete', 'campaigns.listLeads', 'campaigns.addLead', 'campaigns.removeLead',
  'sipTrunks.list', 'sipTrunks.get', 'sipTrunks.create', 'sipTrunks.delete',
  'voices.list',
  'usage.list', 'usage.listAll',
  'byok.get', 'byok.getConfig', 'byok.set', 'byok.delete',
  'toolTemplates.list', 'toolTemplates.get', 'toolTemplates.create', 'toolTemplates.update', 'toolTemplates.delete',
  'analysisTemplates.list', 'analysisTemplates.get', 'analysisTemplates.create', 'analysisTemplates.update', 'analysisTemplates.delete',
  'domains.get', 'domains.create', 'domains.delete', 'domains.listResendDomains', 'domains.syncResendDomain', 'domains.verify', 'domains.refresh',
  'organizations.get', 'organizations.create',
  'Webhooks.verify', 'Webhooks.sign',
] as const;
export type SdkMethod = (typeof SDK_METHODS)[number];

type Query = Record<string, string | number | boolean | undefined>;
type Json = Record<string, unknown>;

export class SdkError extends Error {
  constructor(
    /** The SDK's class: AuthenticationError, InsufficientCreditsError, NotFoundError, RateLimitError or ApiRequestError. */
    readonly kind: string,
    message: string,
    readonly status: number,
    readonly body: Json | undefined,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const KIND_BY_STATUS: Record<number, string> = { 401: 'AuthenticationError', 402: 'InsufficientCreditsError', 404: 'NotFoundError', 429: 'RateLimitError' };

export class SdkHttp {
  constructor(private readonly options: { apiKey: string; baseUrl: string }) {}

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, '')}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${this.options.apiKey}`, 'Content-Type': 'application/json', 'User-Agent': 'hmsovereign-node/1.0.0' },
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
    if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
    const body = (await response.json().catch(() => undefined)) as Json | undefined;
    const message = String(body?.error ?? body?.message ?? response.statusText);
    const retryAfter = response.headers.get('Retry-After');
    throw new SdkError(KIND_BY_STATUS[response.status] ?? 'ApiRequestError', message, response.status, body, retryAfter ? parseInt(retryAfter, 10) : undefined);
  }
}

export interface Pagination {
  total: number;
  limit: number;
  offset: number;
}

/** The SDK's `Page`: one page with its `hasMore` and `nextOffset` rules. */
export class Page<T> {
  constructor(
    readonly data: T[],
    readonly pagination: Pagination,
  ) {}
  get hasMore(): boolean {
    return this.pagination.offset + this.data.length < this.pagination.total;
  }
  get nextOffset(): number {
    return this.pagination.offset + this.pagination.limit;
  }
}

/** The SDK's `AutoPaginator`: pages of 100 from offset 0 until offset + page length reaches the total. */
async function collectAll<T>(fetchPage: (offset: number) => Promise<{ data: T[]; pagination: Pagination }>): Promise<T[]> {
  const items: T[] = [];
  let offset = 0;
  for (let more = true; more; offset += 100) {
    const { data, pagination } = await fetchPage(offset);
    items.push(...data);
    more = offset + data.length < pagination.total;
  }
  return items;
}

/** The SDK's resources, method by method: what each sends and which part of the answer it returns. */
export function createSdk(http: SdkHttp) {
  const get = <T>(path: string, query?: Query) => http.request<T>('GET', path, { query });
  const post = <T>(path: string, body?: unknown) => http.request<T>('POST', path, { body });
  const patch = <T>(path: string, body: unknown) => http.request<T>('PATCH', path, { body });
  const del = async (path: string, body?: unknown) => void (await http.request<Json>('DELETE', path, { body }));
  const crud = (path: string, many: string, one: string) => ({
    list: async () => (await get<Json>(path))[many] as Json[],
    get: async (id: string) => (await get<Json>(`${path}/${id}`))[one] as Json,
    create: async (params: Json) => (await post<Json>(path, params))[one] as Json,
    update: async (id: string, params: Json) => (await patch<Json>(`${path}/${id}`, params))[one] as Json,
    delete: (id: string) => del(`${path}/${id}`),
  });
  const control = (id: string, command: Json) => post<Json>(`/calls/${id}/control`, command);
  const campaigns = crud('/campaigns', 'campaigns', 'campaign');
  const trunks = crud('/sip-trunks', 'trunks', 'trunk');
  return {
    assistants: crud('/assistants', 'assistants', 'assistant'),
    calls: {
      list: async (params?: Query) => {
        const res = await get<{ calls: Json[]; pagination: Pagination }>('/calls', params);
        return new Page(res.calls, res.pagination);
      },
      listAll: (params: Query = {}) =>
        collectAll(async (offset) => {
          const res = await get<{ calls: Json[]; pagination: Pagination }>('/calls', { ...params, limit: 100, offset });
          return { data: res.calls, pagination: res.pagination };
        }),
      get: (id: string) => get<Json>(`/calls/${id}`),
      create: (params: Json) => post<Json>('/calls/outbound', params),
      control,
      injectContext: (id: string, content: string, triggerResponse = false) => control(id, { type: 'inject-context', content, trigger_response: triggerResponse }),
      say: (id: string, content: string, endAfter = false) => control(id, { type: 'say', content, end_after: endAfter }),
      end: (id: string, message?: string) => control(id, { type: 'end-call', message }),
      transfer: (id: string, destination: string, message?: string) => control(id, { type: 'transfer', destination, message }),
    },
    numbers: crud('/numbers', 'numbers', 'number'),
    campaigns: {
      ...campaigns,
      listLeads: (campaignId: string, params?: { limit?: number; offset?: number }) => get<Json>(`/campaigns/${campaignId}/leads`, params),
      addLead: async (campaignId: string, params: Json) => (await post<Json>(`/campaigns/${campaignId}/leads`, params)).lead as Json,
      removeLead: (campaignId: string, leadId: string) => del(`/campaigns/${campaignId}/leads/${leadId}`),
    },
    sipTrunks: { list: trunks.list, get: trunks.get, create: trunks.create, delete: trunks.delete },
    voices: { list: async () => (await get<Json>('/voices')).voices as Json[] },
    usage: {
      list: (params?: Query) => get<Json>('/usage', params),
      listAll: (params: Query = {}) =>
        collectAll(async (offset) => {
          const res = await get<{ logs: Json[]; pagination: Pagination }>('/usage', { ...params, limit: 100, offset });
          return { data: res.logs, pagination: res.pagination };
        }),
    },
    byok: {
      get: () => get<Json>('/byok'),
      getConfig: () => get<Json>('/byok/config'),
      set: (params: Json) => post<Json>('/byok', params),
      delete: (params: Json) => http.request<Json>('DELETE', '/byok', { body: params }),
    },
    toolTemplates: crud('/tool-templates', 'tool_templates', 'tool_template'),
    analysisTemplates: crud('/analysis-templates', 'analysis_templates', 'analysis_template'),
    domains: {
      get: () => get<Json>('/domains'),
      create: (params: Json) => post<Json>('/domains', params),
      delete: () => del('/domains'),
      listResendDomains: () => get<Json[]>('/domains/sync'),
      syncResendDomain: (params: { domain_id: string }) => post<Json>('/domains/sync', params),
      verify: () => post<Json>('/domains/verify'),
      refresh: () => post<Json>('/domains/refresh'),
    },
    organizations: {
      get: () => get<Json>('/organizations'),
      create: (params: Json) => post<Json>('/organizations', params),
    },
  };
}

export type Sdk = ReturnType<typeof createSdk>;

export class WebhookVerificationError extends Error {}

/**
 * The SDK's `Webhooks.verify`: the timestamp (Unix seconds) within `maxAge` of now either way,
 * HMAC-SHA256 of `"<timestamp>.<raw body>"` under the secret, hex, compared in constant time with
 * the header value after an optional `sha256=` prefix; then the body parsed.
 */
export function verifyWebhook(options: { payload: string | Buffer; signature: string; timestamp: string; secret: string; maxAge?: number; nowMs?: number }): unknown {
  const { payload, signature, timestamp, secret, maxAge = 300 } = options;
  if (!signature || !timestamp || !secret) throw new WebhookVerificationError('Missing signature, timestamp, or secret');
  const seconds = parseInt(timestamp, 10);
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (Number.isNaN(seconds) || Math.abs(now - seconds) > maxAge) throw new WebhookVerificationError('Webhook timestamp is too old or invalid');
  const text = typeof payload === 'string' ? payload : payload.toString('utf-8');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${text}`).digest('hex'), 'utf-8');
  const received = Buffer.from(signature.startsWith('sha256=') ? signature.slice(7) : signature, 'utf-8');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw new WebhookVerificationError('Invalid webhook signature');
  return JSON.parse(text) as unknown;
}

/** The SDK's `Webhooks.sign`: what it says the platform sends, for a receiver's own tests. */
export function signWebhook(payload: string, secret: string, timestamp?: number): { signature: string; timestamp: string } {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  return { signature: `sha256=${createHmac('sha256', secret).update(`${ts}.${payload}`).digest('hex')}`, timestamp: ts };
}
