/**
 * A local fake of Resend's domain API (https://resend.com/docs/api-reference/domains), enough for
 * voxgate's domain routes: `POST /domains`, `GET /domains`, `GET /domains/{id}`,
 * `POST /domains/{id}/verify`, `DELETE /domains/{id}`; and of sending (`POST /emails`,
 * https://resend.com/docs/api-reference/emails/send-email): `from`, `to`, `subject` required (422),
 * the `from` address must be on a verified domain of the account (403 "… domain is not verified"),
 * an `Idempotency-Key` seen before answers the first send's id without sending again. Sent mails
 * are in `emails`.
 *
 * - Bearer auth: no key → 401 `missing_api_key`, an unknown key → 403 `invalid_api_key`.
 * - Each API key is its own account with its own domains (like separate Resend accounts).
 * - Errors have Resend's body `{statusCode, name, message}`; unknown ids → 404 `not_found`, bad
 *   input → 422 `validation_error` / `missing_required_field` / `invalid_region`.
 * - Knobs: `verifyOutcome` (the status a domain gets from verify), `failNext()` (answer the next
 *   request with an error), `hang` (accept requests but never answer, for timeouts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRecord {
  record: string;
  name: string;
  type: string;
  ttl: string;
  status: string;
  value: string;
  priority?: number;
}

export interface FakeDomain {
  id: string;
  name: string;
  status: string;
  region: string;
  created_at: string;
  records: FakeRecord[];
}

export interface SentEmail {
  id: string;
  apiKey: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  idempotencyKey?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

const REGIONS = ['us-east-1', 'eu-west-1', 'sa-east-1', 'ap-northeast-1'];
const DOMAIN_NAME = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/i;

function recordsFor(name: string, region: string, status: string): FakeRecord[] {
  const selector = randomUUID().replace(/-/g, '').slice(0, 24);
  return [
    { record: 'SPF', name: 'send', type: 'MX', ttl: 'Auto', status, value: `feedback-smtp.${region}.amazonses.com`, priority: 10 },
    { record: 'SPF', name: 'send', type: 'TXT', ttl: 'Auto', status, value: '"v=spf1 include:amazonses.com ~all"' },
    { record: 'DKIM', name: `${selector}._domainkey`, type: 'CNAME', ttl: 'Auto', status, value: `${selector}.dkim.amazonses.com.` },
  ].map((r) => ({ ...r, name: r.name === 'send' ? `send.${name}` : `${r.name}.${name}` }));
}

export class FakeResend {
  readonly requests: RecordedRequest[] = [];
  readonly emails: SentEmail[] = [];
  /** The status a domain takes after `POST /domains/{id}/verify`. */
  verifyOutcome: 'verified' | 'pending' | 'failed' = 'verified';
  /** Accept connections but never answer. */
  hang = false;
  private readonly accounts = new Map<string, Map<string, FakeDomain>>();
  private nextFailure: { status: number; name: string; message: string } | null = null;

  constructor(private readonly server: Server) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addAccount(apiKey: string): void {
    if (!this.accounts.has(apiKey)) this.accounts.set(apiKey, new Map());
  }

  /** A domain that already exists in an account (for GET/POST /domains/sync). */
  addDomain(apiKey: string, name: string, options: { status?: string; region?: string } = {}): FakeDomain {
    this.addAccount(apiKey);
    const region = options.region ?? 'us-east-1';
    const status = options.status ?? 'not_started';
    const domain = { id: randomUUID(), name, status, region, created_at: new Date().toISOString(), records: recordsFor(name, region, status) };
    this.accounts.get(apiKey)?.set(domain.id, domain);
    return domain;
  }

  domains(apiKey: string): FakeDomain[] {
    return [...(this.accounts.get(apiKey)?.values() ?? [])];
  }

  failNext(status: number, name: string, message: string): void {
    this.nextFailure = { status, name, message };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return sendError(res, 400, 'validation_error', 'Invalid JSON body');
    }
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, body });
    if (this.hang) return; // never answers; the client's timeout must fire
    if (this.nextFailure) {
      const f = this.nextFailure;
      this.nextFailure = null;
      return sendError(res, f.status, f.name, f.message);
    }
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return sendError(res, 401, 'missing_api_key', 'Missing API key in the authorization header');
    const account = this.accounts.get(match[1]);
    if (!account) return sendError(res, 403, 'invalid_api_key', 'API key is invalid');
    if (path === '/emails' && req.method === 'POST') return this.sendEmail(match[1], body, req.headers['idempotency-key'] as string | undefined, account, res);
    this.route(req.method ?? 'GET', path, body, account, res);
  }

  private route(method: string, path: string, body: unknown, account: Map<string, FakeDomain>, res: ServerResponse): void {
    if (path === '/domains' && method === 'POST') return this.create(body, account, res);
    if (path === '/domains' && method === 'GET') {
      const data = [...account.values()].map(({ records: _records, ...d }) => d);
      return send(res, 200, { object: 'list', has_more: false, data });
    }
    const m = /^\/domains\/([^/]+)(\/verify)?$/.exec(path);
    const domain = m ? account.get(decodeURIComponent(m[1])) : undefined;
    if (!m || (m[2] && method !== 'POST')) return sendError(res, 404, 'not_found', 'The requested endpoint does not exist.');
    if (!domain) return sendError(res, 404, 'not_found', 'Domain not found');
    if (m[2]) {
      domain.status = this.verifyOutcome;
      for (const r of domain.records) r.status = this.verifyOutcome;
      return send(res, 200, { object: 'domain', id: domain.id });
    }
    if (method === 'GET') return send(res, 200, { object: 'domain', ...domain });
    if (method === 'DELETE') {
      account.delete(domain.id);
      return send(res, 200, { object: 'domain', id: domain.id, deleted: true });
    }
    sendError(res, 405, 'method_not_allowed', 'Method is not allowed for the requested path.');
  }

  private sendEmail(apiKey: string, body: unknown, idempotencyKey: string | undefined, account: Map<string, FakeDomain>, res: ServerResponse): void {
    const input = (body ?? {}) as { from?: unknown; to?: unknown; subject?: unknown; text?: unknown; html?: unknown };
    for (const field of ['from', 'to', 'subject'] as const) {
      if (input[field] === undefined) return sendError(res, 422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
    const earlier = idempotencyKey ? this.emails.find((e) => e.apiKey === apiKey && e.idempotencyKey === idempotencyKey) : undefined;
    if (earlier) return send(res, 200, { id: earlier.id });
    const address = /<([^>]+)>\s*$/.exec(String(input.from))?.[1] ?? String(input.from);
    const domain = address.split('@')[1]?.toLowerCase() ?? '';
    if (![...account.values()].some((d) => d.name === domain && d.status === 'verified')) {
      return sendError(res, 403, 'validation_error', `The ${domain} domain is not verified. Please, add and verify your domain on https://resend.com/domains`);
    }
    const to = Array.isArray(input.to) ? input.to.map(String) : [String(input.to)];
    const email: SentEmail = {
      id: randomUUID(),
      apiKey,
      from: String(input.from),
      to,
      subject: String(input.subject),
      ...(typeof input.text === 'string' && { text: input.text }),
      ...(typeof input.html === 'string' && { html: input.html }),
      ...(idempotencyKey && { idempotencyKey }),
    };
    this.emails.push(email);
    send(res, 200, { id: email.id });
  }

  private create(body: unknown, account: Map<string, FakeDomain>, res: ServerResponse): void {
    const input = (body ?? {}) as { name?: unknown; region?: unknown };
    if (input.name === undefined) return sendError(res, 422, 'missing_required_field', 'Missing `name` field.');
    if (typeof input.name !== 'string' || !DOMAIN_NAME.test(input.name)) {
      return sendError(res, 422, 'validation_error', 'Invalid `name` field.');
    }
    if (input.region !== undefined && !REGIONS.includes(String(input.region))) {
      return sendError(res, 422, 'invalid_region', `Region must be ${REGIONS.map((r) => `"${r}"`).join(' | ')}.`);
    }
    const name = input.name;
    if ([...account.values()].some((d) => d.name === name)) {
      return sendError(res, 403, 'validation_error', `The ${name} domain has been registered already.`);
    }
    const region = (input.region as string | undefined) ?? 'us-east-1';
    const domain: FakeDomain = {
      id: randomUUID(),
      name,
      status: 'not_started',
      region,
      created_at: new Date().toISOString(),
      records: recordsFor(name, region, 'not_started'),
    };
    account.set(domain.id, domain);
    send(res, 200, { id: domain.id, name, created_at: domain.created_at, status: domain.status, region, records: domain.records });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, statusCode: number, name: string, message: string): void {
  send(res, statusCode, { statusCode, name, message });
}

export async function startFakeResend(): Promise<FakeResend> {
  let fake: FakeResend | null = null;
  const server = createServer((req, res) => {
    fake?.handle(req, res).catch(() => res.destroy());
  });
  fake = new FakeResend(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return fake;
}
