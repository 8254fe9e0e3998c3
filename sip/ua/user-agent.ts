/**
 * The application entry point of `sip/` (drachtio-srf's shape without the daemon):
 *
 *   const ua = new UserAgent({ transports: [{ protocol: 'udp', host: '0.0.0.0', port: 5060 }] });
 *   ua.on('invite', async (req, res) => { res.send(180); const dialog = await ua.createUAS(req, res, { localSdp }); });
 *   await ua.listen();
 *
 * It wires transport → transaction → UA core, owns the dialog table, and offers createUAS /
 * createUAC / request / register. Events are typed (`UserAgentEvents`).
 */
import { realClock, type Clock } from '../clock.js';
import { DialogRegistry } from '../dialog/registry.js';
import { DEFAULT_SESSION_TIMER, type SessionTimerPolicy } from '../dialog/session-timer.js';
import { parseUri } from '../message/headers.js';
import { URI_COMPONENT, escapeComponent } from '../message/scan.js';
import type { SipResponse } from '../message/types.js';
import { resolveTimers, type TimerConfig } from '../timers.js';
import { TransactionLayer } from '../transaction/layer.js';
import { TransportLayer } from '../transport/layer.js';
import { silentLogger, type Logger } from '../transport/logger.js';
import { resolveUri, transportOf } from '../transport/resolve.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Transport, TransportProtocol } from '../transport/types.js';
import { UdpTransport } from '../transport/udp.js';
import { digestFor, type Credentials } from './auth.js';
import { ALLOW, SUPPORTED, type UaContext } from './context.js';
import { UaCore } from './core.js';
import type { Dialog } from './dialog.js';
import { TypedEmitter } from './emitter.js';
import { isSipError, SipError } from './errors.js';
import type { IncomingRequest, RequestSource, ServerResponse } from './incoming.js';
import { bracket, buildOutOfDialog, headerPairs, type HeaderInput } from './outgoing.js';
import { Registration, type RegisterOptions } from './register.js';
import { sendWithAuth } from './sender.js';
import { UacInvite, type UacHooks } from './uac.js';
import { OverloadGuard, type OverloadOptions, type OverloadStats } from './overload.js';
import { UasCore, type UasOptions } from './uas.js';

export interface TransportSpec {
  protocol: TransportProtocol;
  /** Bind address (default 0.0.0.0). */
  host?: string;
  /** Bind port (default 5060; 0 picks a free one). */
  port?: number;
}

export interface UserAgentOptions {
  /** Sockets to listen on, or ready-made transports (e.g. a `LoopbackTransport` in tests). */
  transports: Array<TransportSpec | Transport>;
  /** Address advertised in Via and Contact instead of the bound one (`SIP_PUBLIC_IP`). */
  publicAddress?: string;
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  logger?: Logger;
  /** User-Agent (requests) and Server (responses) header value. */
  userAgentHeader?: string;
  /** Allow-list for out-of-dialog requests: return false to answer 403 Forbidden. */
  accept?: (source: RequestSource, request: IncomingRequest) => boolean;
  /** RFC 4028 policy; false turns session timers off. */
  sessionTimer?: Partial<SessionTimerPolicy> | false;
  /** How long `dialog.refer()` waits for the final NOTIFY (default 60 s). */
  referTimeoutMs?: number;
  /** An INVITE the application leaves unanswered this long gets 480 (default 180 s). */
  inviteTimeoutMs?: number;
  /** Cap on simultaneous dialogs; new INVITEs beyond it get 503 (default 100 000). */
  maxDialogs?: number;
  /** Idle TCP connections are closed after this long (default 5 min). */
  tcpIdleTimeoutMs?: number;
  /**
   * Cap on live server transactions (each lives up to 64·T1 after its final response, so the cap
   * is about rate × 2 × 32 s); beyond it new requests get a stateless 503. Default 100 000.
   */
  maxServerTransactions?: number;
  /**
   * Status for an out-of-dialog OPTIONS (default 200): a node that drains says 503, so a SIP
   * front that probes with OPTIONS (Kamailio's dispatcher) stops sending it new calls.
   */
  optionsStatus?: () => number;
  /**
   * Overload control: while the process is saturated (event-loop utilisation or delay above
   * their limits) a share of new INVITEs gets 503 with Retry-After so that accepted calls still
   * complete. Off unless given (`{}` takes the defaults of `OverloadOptions`).
   */
  overload?: OverloadOptions;
}

export interface UserAgentEvents {
  /** A new INVITE: answer with `ua.createUAS(req, res, …)` or `res.send(status)`. */
  invite: [req: IncomingRequest, res: ServerResponse];
  /** Any other out-of-dialog request we do not answer ourselves (MESSAGE, NOTIFY, SUBSCRIBE…); unheard → 405. */
  request: [req: IncomingRequest, res: ServerResponse];
}

export interface UacOptions {
  localSdp?: string;
  headers?: HeaderInput;
  auth?: Credentials;
  /** Send the INVITE to this URI (an outbound proxy or trunk) instead of the Request-URI's host. */
  proxy?: string;
  transport?: TransportProtocol;
  /** User part of From and Contact (the caller id). */
  callingNumber?: string;
  /** Abort → CANCEL (§9.1); the promise rejects with `SIP_CANCELED`. */
  signal?: AbortSignal;
  /** CANCEL when no final response arrives in this time (default 180 s). */
  ringTimeoutMs?: number;
}

/** How a `createUAC` ended: answered (the dialog) or not (why, with the SIP status). */
export type UacOutcome = { ok: true; dialog: Dialog } | { ok: false; error: SipError };

export interface RequestOptions {
  method: string;
  headers?: HeaderInput;
  body?: string | Buffer;
  contentType?: string;
  auth?: Credentials;
  proxy?: string;
  transport?: TransportProtocol;
}

export class UserAgent extends TypedEmitter<UserAgentEvents> {
  private readonly ctx: UaContext;
  private readonly transport: TransportLayer;
  private readonly uas: UasCore;
  private readonly registrations = new Set<Registration>();
  private readonly overload: OverloadGuard | undefined;
  private closed = false;

  constructor(options: UserAgentOptions) {
    super();
    const clock = options.clock ?? realClock;
    const logger = options.logger ?? silentLogger;
    const timers = resolveTimers(options.timers);
    const transports = options.transports.map((t) => ('listen' in t ? t : makeTransport(t, clock, options.tcpIdleTimeoutMs)));
    this.transport = new TransportLayer({ transports, publicAddress: options.publicAddress, logger });
    const transactions = new TransactionLayer({ clock, timers, sink: this.transport, logger, maxServerTransactions: options.maxServerTransactions });
    this.transport.user = transactions;
    this.ctx = {
      clock,
      timers,
      logger,
      transactions,
      transport: this.transport,
      dialogs: new DialogRegistry<Dialog>(options.maxDialogs),
      sessionTimer: options.sessionTimer === false ? false : { ...DEFAULT_SESSION_TIMER, ...options.sessionTimer },
      userAgent: options.userAgentHeader,
      referTimeoutMs: options.referTimeoutMs ?? 60_000,
      contact: (protocol, user) => this.contact(protocol, user),
    };
    this.uas = new UasCore(this.ctx, options.inviteTimeoutMs ?? 180_000);
    if (options.overload) this.overload = new OverloadGuard(options.overload);
    transactions.user = new UaCore(this.ctx, this.uas, {
      overload: this.overload,
      accept: options.accept,
      optionsStatus: options.optionsStatus,
      invite: (req, res) => this.emit('invite', req, res),
      request: (req, res) => this.emit('request', req, res),
    });
  }

  protected override onListenerError(err: unknown, event: string): void {
    this.ctx.logger.error({ err, event }, 'user agent listener failed');
  }

  async listen(): Promise<void> {
    await this.transport.listen();
    this.overload?.start();
  }

  /** The bound port of the first transport of `protocol` (tests bind port 0 and read it here). */
  address(protocol: TransportProtocol): number | undefined {
    return this.transport.address(protocol)?.port;
  }

  /** The bound address and port of the first transport of `protocol`. */
  localAddress(protocol: TransportProtocol): { address: string; port: number } | undefined {
    return this.transport.address(protocol);
  }

  /** Live dialogs, pending transactions and transport counters (for metrics and leak checks). */
  stats(): {
    dialogs: number;
    pendingInvites: number;
    transactions: { server: number; client: number };
    transport: TransportLayer['counters'];
    overload?: OverloadStats;
  } {
    return {
      dialogs: this.ctx.dialogs.size,
      pendingInvites: this.uas.pending,
      transactions: this.ctx.transactions.size,
      transport: { ...this.transport.counters },
      ...(this.overload ? { overload: this.overload.stats() } : {}),
    };
  }

  /** Answers an INVITE with 200 and `localSdp`; resolves with the dialog once the ACK arrives. */
  createUAS(req: IncomingRequest, res: ServerResponse, options: UasOptions = {}): Promise<Dialog> {
    return this.uas.createUAS(req, res, options);
  }

  /**
   * Places a call. Every expected ending is a value, never a rejection (STYLE §10): the dialog on
   * 2xx, or the `SipError` that says why not — the peer's final response (486, 603…), a timeout
   * (408), our own CANCEL (487), an unreachable or unparsable target, a transport failure.
   */
  async createUAC(uri: string, options: UacOptions = {}, hooks: UacHooks = {}): Promise<UacOutcome> {
    try {
      return { ok: true, dialog: await this.invite(uri, options, hooks) };
    } catch (err) {
      if (isSipError(err)) return { ok: false, error: err };
      throw err;
    }
  }

  private async invite(uri: string, options: UacOptions, hooks: UacHooks): Promise<Dialog> {
    const target = parseUri(uri);
    if (!target) throw new SipError('SIP_BAD_TARGET', 400, 'bad Request-URI');
    const destination = await this.destinationFor(target, options);
    const timer = this.ctx.sessionTimer;
    const headers: Array<[string, string]> = [['Allow', ALLOW]];
    if (timer) headers.push(['Supported', SUPPORTED], ['Session-Expires', String(timer.interval)], ['Min-SE', String(timer.minSE)]);
    const request = buildOutOfDialog(this.ctx, {
      method: 'INVITE',
      uri: target,
      transport: destination.transport,
      fromUser: options.callingNumber,
      headers: [...headers, ...headerPairs(options.headers)],
      body: options.localSdp,
      contentType: 'application/sdp',
    });
    const invite = new UacInvite({
      ctx: this.ctx,
      request,
      destination,
      credentials: options.auth,
      signal: options.signal,
      ringTimeoutMs: options.ringTimeoutMs ?? 180_000,
      hooks,
    });
    return invite.start();
  }

  /** Sends an out-of-dialog request (OPTIONS, MESSAGE…); resolves with the final response. */
  async request(uri: string, options: RequestOptions): Promise<SipResponse> {
    const target = parseUri(uri);
    if (!target) throw new SipError('SIP_BAD_TARGET', 400, 'bad Request-URI');
    const destination = await this.destinationFor(target, options);
    const request = buildOutOfDialog(this.ctx, {
      method: options.method.toUpperCase(),
      uri: target,
      transport: destination.transport,
      headers: options.headers,
      body: options.body,
      contentType: options.contentType,
    });
    return (await sendWithAuth(this.ctx, request, destination, digestFor(options.auth))).response;
  }

  /** Starts registering `aor` at `registrar` and keeps the binding fresh until `stop()`. */
  register(options: RegisterOptions): Registration {
    const registration = new Registration(this.ctx, options);
    this.registrations.add(registration);
    registration.start();
    return registration;
  }

  /**
   * Shuts down: unregisters, hangs up every dialog (BYE, waited for at most `graceMs`), ends
   * every transaction and closes the sockets. Idempotent.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.overload?.stop();
    const byes = this.ctx.dialogs.values().map((d) => d.hangup('shutdown'));
    const unregisters = [...this.registrations].map((r) => r.stop());
    await Promise.race([Promise.all([...byes, ...unregisters]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.ctx.transactions.close();
    await this.transport.close();
  }

  private async destinationFor(target: NonNullable<ReturnType<typeof parseUri>>, options: { proxy?: string; transport?: TransportProtocol }) {
    const hop = options.proxy ? parseUri(options.proxy) : target;
    if (!hop) throw new SipError('SIP_BAD_TARGET', 400, 'bad proxy URI');
    try {
      return await resolveUri(hop, options.transport ?? transportOf(hop));
    } catch (err) {
      throw new SipError('SIP_BAD_TARGET', 400, 'cannot resolve target', undefined, { cause: err });
    }
  }

  private contact(protocol: TransportProtocol, user?: string): string {
    const { host, port } = this.transport.sentBy(protocol);
    const userPart = user ? `${escapeComponent(user, CONTACT_USER)}@` : '';
    return `<sip:${userPart}${bracket(host)}:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}>`;
  }
}

/** What our Contact's user part keeps unescaped: encodeURIComponent's set, and `+` (E.164). */
const CONTACT_USER = Uint8Array.from(URI_COMPONENT.unreserved);
CONTACT_USER[0x2b] = 1;

function makeTransport(spec: TransportSpec, clock: Clock, idleTimeoutMs?: number): Transport {
  const host = spec.host ?? '0.0.0.0';
  const port = spec.port ?? 5060;
  return spec.protocol === 'tcp' ? new TcpTransport({ host, port, clock, idleTimeoutMs }) : new UdpTransport({ host, port });
}
