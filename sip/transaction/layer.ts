/**
 * The transaction layer (RFC 3261 §17): matches incoming messages to transactions, creates server
 * transactions for new requests, and starts client transactions for outgoing ones. It talks down
 * to the transport layer through `TransportSink` and up to the transaction user (the UA core)
 * only through `TransactionUser`.
 */
import type { Clock } from '../clock.js';
import { createResponse } from '../message/build.js';
import { generateBranch } from '../message/ids.js';
import { getToTag } from '../message/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import type { TimerConfig } from '../timers.js';
import type { Logger } from '../transport/logger.js';
import type { Destination, Source, TransportProtocol } from '../transport/types.js';
import type { ClientTransactionUser } from './client.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { clientKey, mergeKey, serverKey } from './keys.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import type { MessageSink, TransactionContext } from './transaction.js';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** What the transaction layer needs from the transport layer below it. */
export interface TransportSink extends MessageSink {
  isReliable(transport: TransportProtocol): boolean;
  /** RFC 3261 §18.2.2 / RFC 3581 §4: where responses to this request go. */
  responseDestination(request: SipRequest, source: Source): Destination;
  /** The advertised host and port for the Via of requests sent over `transport`. */
  sentBy(transport: TransportProtocol): { host: string; port: number };
}

/** The upward contract: the UA core implements it (SIP.js `TransactionUser`, sipgo handlers). */
export interface TransactionUser {
  /** §17.2.3: a new request (not ACK, not CANCEL) created a server transaction; the TU answers it. */
  onRequest(request: SipRequest, tx: ServerTransaction, source: Source): void;
  /** §9.2: a CANCEL, with its own transaction and the INVITE transaction it matches, if any. */
  onCancel(cancel: SipRequest, tx: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void;
  /** §17.2.3, §13.3.1.4: an ACK matching no server transaction: the ACK for a 2xx. */
  onAck(ack: SipRequest, source: Source): void;
  /** §17.1.3: a response with no client transaction, e.g. a 2xx retransmitted after Timer M. */
  onStrayResponse(response: SipResponse, source: Source): void;
}

export interface TransactionLayerOptions {
  clock: Clock;
  timers: TimerConfig;
  sink: TransportSink;
  logger: Logger;
  /** Cap on live server transactions; beyond it new requests get a stateless 503 (hardening). */
  maxServerTransactions?: number;
}

export class TransactionLayer {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly merged = new Map<string, string>();
  private readonly ctx: TransactionContext;
  private readonly maxServers: number;
  user?: TransactionUser;

  constructor(private readonly options: TransactionLayerOptions) {
    this.maxServers = options.maxServerTransactions ?? 100_000;
    this.ctx = {
      clock: options.clock,
      timers: options.timers,
      sink: options.sink,
      logger: options.logger,
      onTerminated: (tx) => this.forget(tx as ServerTransaction | ClientTransaction),
    };
  }

  get size(): { server: number; client: number } {
    return { server: this.servers.size, client: this.clients.size };
  }

  /** Entry point for requests from the transport layer. */
  receiveRequest(request: SipRequest, source: Source): void {
    const key = serverKey(request);
    if (!key) return this.options.logger.debug({}, 'request without usable Via dropped');
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRequest(request); // §17.2.3: a retransmission (or the ACK of a non-2xx)
      return;
    }
    if (request.method === 'ACK') return this.user?.onAck(request, source);
    // Under overload shed new work only: BYE and CANCEL end calls and free resources.
    if (this.servers.size >= this.maxServers && request.method !== 'BYE' && request.method !== 'CANCEL') {
      this.options.logger.warn({ size: this.servers.size }, 'server transaction table full');
      void this.sendStateless(createResponse(request, 503), this.options.sink.responseDestination(request, source)).catch(() => undefined);
      return;
    }
    const tx = this.createServer(request, key, source);
    if (request.method === 'CANCEL') {
      // §9.2: the CANCEL matches the INVITE whose transaction has the same branch and sent-by.
      const inviteKey = serverKey(request, 'INVITE');
      const invite = inviteKey ? this.servers.get(inviteKey) : undefined;
      this.user?.onCancel(request, tx as NonInviteServerTransaction, invite instanceof InviteServerTransaction ? invite : undefined);
      return;
    }
    this.user?.onRequest(request, tx, source);
    if (tx instanceof InviteServerTransaction) tx.startTryingTimer();
  }

  /** Entry point for responses from the transport layer. */
  receiveResponse(response: SipResponse, source: Source): void {
    const key = clientKey(response);
    const tx = key ? this.clients.get(key) : undefined;
    if (tx) tx.receive(response);
    else this.user?.onStrayResponse(response, source);
  }

  /**
   * §8.2.2.2: true when `request` has no To tag and repeats the From tag, Call-ID and CSeq of a
   * live server transaction created by a different request (it arrived over another path).
   */
  isMerged(request: SipRequest, tx: ServerTransaction): boolean {
    // The transaction registered itself as the owner of its merge key when it was created.
    if (tx.mergeKey !== undefined) return false;
    if (getToTag(request)) return false;
    const key = mergeKey(request);
    const owner = key ? this.merged.get(key) : undefined;
    return owner !== undefined && owner !== tx.key;
  }

  /**
   * Starts a client transaction (§17.1). A request without a Via gets one here with a fresh
   * branch and an empty `rport` (RFC 3581 §3); a CANCEL keeps the Via copied from its INVITE (§9.1).
   */
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') throw new Error('ACK has no client transaction; use sendStateless');
    if (!request.headers.has('via')) request.headers.prepend('via', this.viaFor(destination.transport));
    const key = clientKey(request);
    if (!key) throw new Error('request without CSeq');
    const reliable = this.options.sink.isReliable(destination.transport);
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(this.ctx, request, key, destination, reliable, user)
        : new NonInviteClientTransaction(this.ctx, request, key, destination, reliable, user);
    this.clients.get(key)?.abort();
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Sends a message outside any transaction: the ACK for a 2xx (§13.2.2.4), stateless replies. */
  sendStateless(message: SipMessage, destination: Destination): Promise<void> {
    if (message.kind === 'request' && !message.headers.has('via')) {
      message.headers.prepend('via', this.viaFor(destination.transport));
    }
    return this.options.sink.send(message, destination);
  }

  /** A Via value with a new branch for a request sent over `transport`. */
  viaFor(transport: TransportProtocol): string {
    const { host, port } = this.options.sink.sentBy(transport);
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return `SIP/2.0/${transport.toUpperCase()} ${hostPart}:${port};branch=${generateBranch()};rport`;
  }

  /** Ends every transaction without callbacks (shutdown). */
  close(): void {
    for (const tx of [...this.servers.values(), ...this.clients.values()]) tx.abort();
  }

  private createServer(request: SipRequest, key: string, source: Source): ServerTransaction {
    const destination = this.options.sink.responseDestination(request, source);
    const reliable = this.options.sink.isReliable(source.transport);
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(this.ctx, request, key, destination, reliable)
        : new NonInviteServerTransaction(this.ctx, request, key, destination, reliable);
    this.servers.set(key, tx);
    const merge = getToTag(request) ? undefined : mergeKey(request);
    if (merge && !this.merged.has(merge)) {
      this.merged.set(merge, key);
      tx.mergeKey = merge;
    }
    return tx;
  }

  private forget(tx: ServerTransaction | ClientTransaction): void {
    if (tx instanceof InviteServerTransaction || tx instanceof NonInviteServerTransaction) {
      if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
      if (tx.mergeKey && this.merged.get(tx.mergeKey) === tx.key) this.merged.delete(tx.mergeKey);
    } else if (this.clients.get(tx.key) === tx) {
      this.clients.delete(tx.key);
    }
  }
}
