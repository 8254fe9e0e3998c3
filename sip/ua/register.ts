/**
 * REGISTER client (RFC 3261 §10.2): binds our Contact to an address-of-record, refreshes the
 * binding before it expires, answers 423 Interval Too Brief with the registrar's Min-Expires
 * (§10.2.8), retries failures with backoff, and unregisters (expires=0) on `stop()`.
 */
import type { TimerHandle } from '../clock.js';
import { getContacts, getCSeq, parseUnsigned, parseUri } from '../message/headers.js';
import { generateCallId, generateTag } from '../message/ids.js';
import { serializeUri } from '../message/serialize.js';
import { NO_BODY, SipHeaders, type SipRequest, type SipResponse } from '../message/types.js';
import { resolveUri, transportOf } from '../transport/resolve.js';
import type { TransportProtocol } from '../transport/types.js';
import type { DigestClient } from '../digest/index.js';
import { digestFor, signUpFront, type Credentials, type KnownChallenge } from './auth.js';
import type { UaContext } from './context.js';
import { TypedEmitter } from './emitter.js';
import { SipError } from './errors.js';
import { sendWithAuth } from './sender.js';

export interface RegisterOptions {
  /** Registrar URI, e.g. `sip:sip.telnyx.com` or `sip:10.0.0.1:5060;transport=tcp`. */
  registrar: string;
  /** Address-of-record, e.g. `sip:user@sip.telnyx.com`. */
  aor: string;
  auth?: Credentials;
  /** Requested binding lifetime in seconds (default 3600). */
  expires?: number;
  transport?: TransportProtocol;
}

export interface RegistrationEvents {
  registered: [expires: number];
  failed: [error: SipError];
}

const MAX_423_RETRIES = 3;

export class Registration extends TypedEmitter<RegistrationEvents> {
  /** Settles with the first outcome: resolves on the first 2xx, rejects on the first failure. */
  readonly ready: Promise<void>;
  private settleReady?: { resolve(): void; reject(err: SipError): void };
  private readonly callId = generateCallId();
  private readonly fromTag = generateTag();
  private seq = 0;
  private expires: number;
  private timer?: TimerHandle;
  private failures = 0;
  private stopped = false;
  private bound = false;
  private readonly digest?: DigestClient;
  private challenge?: KnownChallenge;

  constructor(
    private readonly ctx: UaContext,
    private readonly options: RegisterOptions,
  ) {
    super();
    this.expires = options.expires ?? 3600;
    this.digest = digestFor(options.auth);
    this.ready = new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => undefined); // nobody has to await it
  }

  protected override onListenerError(err: unknown): void {
    this.ctx.logger.warn({ err }, 'registration listener failed');
  }

  get registered(): boolean {
    return this.bound;
  }

  /** The lifetime the registrar granted, in seconds. */
  get grantedExpires(): number {
    return this.expires;
  }

  start(): void {
    void this.attempt(0);
  }

  /** Stops refreshing and removes the binding (expires=0). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.clock.clearTimer(this.timer);
    if (!this.bound) return;
    this.bound = false;
    await this.send(0).catch(() => undefined);
  }

  private async attempt(tooBrief: number): Promise<void> {
    if (this.stopped) return;
    try {
      const response = await this.send(this.expires);
      if (this.stopped) return;
      if (response.status === 423 && tooBrief < MAX_423_RETRIES) {
        const min = parseUnsigned(response.headers.get('min-expires'), 2 ** 31 - 1);
        if (min !== undefined && min > this.expires) {
          this.expires = min;
          return this.attempt(tooBrief + 1);
        }
      }
      if (response.status >= 300) throw SipError.rejected(response);
      this.succeeded(response);
    } catch (err) {
      this.failed(err instanceof SipError ? err : SipError.transport(err));
    }
  }

  private succeeded(response: SipResponse): void {
    this.expires = grantedExpires(response, this.expires);
    this.bound = true;
    this.failures = 0;
    this.settleReady?.resolve();
    this.settleReady = undefined;
    this.emit('registered', this.expires);
    // §10.2.4: refresh before the binding expires.
    const delay = Math.max(this.expires * 500, (this.expires - 30) * 1000);
    this.timer = this.ctx.clock.setTimer(delay, () => void this.attempt(0));
  }

  private failed(error: SipError): void {
    this.bound = false;
    this.failures++;
    this.settleReady?.reject(error);
    this.settleReady = undefined;
    this.emit('failed', error);
    if (this.stopped) return;
    const delay = Math.min(30_000 * 2 ** (this.failures - 1), 300_000);
    this.timer = this.ctx.clock.setTimer(delay, () => void this.attempt(0));
  }

  private async send(expires: number): Promise<SipResponse> {
    const registrar = parseUri(this.options.registrar);
    const aor = parseUri(this.options.aor);
    if (!registrar || !aor) throw new SipError('SIP_BAD_TARGET', 400, 'bad registrar or AOR');
    const transport = this.options.transport ?? transportOf(registrar);
    const destination = await resolveUri(registrar, transport);
    const request = this.build(registrar.scheme === 'tel' ? registrar : { ...registrar, user: undefined }, serializeUri(aor), transport, expires);
    // Credentials go up front once we know the challenge (the registrar may still re-challenge).
    if (this.challenge && this.digest) signUpFront(request, this.challenge, this.digest);
    const { response, request: sent, challenge } = await sendWithAuth(this.ctx, request, destination, this.digest);
    this.seq = getCSeq(sent)?.seq ?? this.seq;
    if (challenge) this.challenge = challenge;
    return response;
  }

  /** §10.2: same Call-ID and increasing CSeq for every REGISTER of this binding. */
  private build(uri: SipRequest['uri'], aor: string, transport: TransportProtocol, expires: number): SipRequest {
    const headers = new SipHeaders();
    headers.append('max-forwards', '70');
    headers.append('from', `<${aor}>;tag=${this.fromTag}`);
    headers.append('to', `<${aor}>`);
    headers.append('call-id', this.callId);
    headers.append('cseq', `${++this.seq} REGISTER`);
    headers.append('contact', `${this.ctx.contact(transport, userOf(aor))};expires=${expires}`);
    headers.append('expires', String(expires));
    if (this.ctx.userAgent) headers.append('user-agent', this.ctx.userAgent);
    return { kind: 'request', method: 'REGISTER', uri, headers, body: NO_BODY };
  }
}

/** §10.2.4: the expires of our Contact in the 2xx, else its Expires header, else what we asked. */
function grantedExpires(response: SipResponse, requested: number): number {
  const contacts = getContacts(response) ?? [];
  for (const c of contacts) {
    if (c === '*') continue;
    const value = c.params.expires;
    const n = typeof value === 'string' ? parseUnsigned(value, 2 ** 31 - 1) : undefined;
    if (n !== undefined && n > 0) return n;
  }
  return parseUnsigned(response.headers.get('expires'), 2 ** 31 - 1) || requested;
}

function userOf(aor: string): string | undefined {
  return parseUri(aor)?.user;
}
