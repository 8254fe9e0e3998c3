/**
 * The transport layer (RFC 3261 §18): owns the transports, turns parse results into messages for
 * the transaction layer, applies the receive-side rules (§18.2.1 `received`, RFC 3581 `rport`,
 * §18.1.2 sent-by check), chooses where responses go (§18.2.2, RFC 3581 §4), and answers
 * unparseable requests with 400 when it can. Nothing here throws on bad input.
 */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { createResponse, canRespond } from '../message/build.js';
import { getTopVia, VIEWS } from '../message/headers.js';
import type { ParseResult } from '../message/parse.js';
import { serializeVia, wireBytes } from '../message/serialize.js';
import type { SipMessage, SipRequest, SipResponse, UriParams } from '../message/types.js';
import type { Logger } from './logger.js';
import { TransportError, type Destination, type Source, type Transport, type TransportProtocol } from './types.js';

/** The upward contract: the transaction layer implements it. */
export interface TransportUser {
  receiveRequest(request: SipRequest, source: Source): void;
  receiveResponse(response: SipResponse, source: Source): void;
}

export interface TransportLayerOptions {
  transports: Transport[];
  /** Address advertised in Via and Contact when we sit behind NAT (`SIP_PUBLIC_IP`). */
  publicAddress?: string;
  logger: Logger;
}

export interface TransportCounters {
  /** Messages that could not be parsed and could not be answered. */
  dropped: number;
  /** Unparseable requests answered with a 4xx. */
  rejected: number;
  /** Responses whose top Via was not ours (§18.1.2). */
  misrouted: number;
}

export class TransportLayer {
  user?: TransportUser;
  readonly counters: TransportCounters = { dropped: 0, rejected: 0, misrouted: 0 };
  /** Serialized bytes of messages already sent once: retransmissions reuse them. */
  private readonly transports: Transport[];
  /** sentBy per transport, computed once after listen (the interface lookup is a syscall). */
  private readonly advertised = new Map<Transport, { host: string; port: number }>();
  private readonly protocolTransports = new Map<TransportProtocol, Transport[]>();

  constructor(private readonly options: TransportLayerOptions) {
    this.transports = options.transports;
    for (const transport of this.transports) {
      transport.onMessage = (result, source) => this.receive(result, source);
      transport.onDrop = (reason, source) => this.drop(reason, source);
    }
  }

  async listen(): Promise<void> {
    for (const transport of this.transports) await transport.listen();
  }

  async close(): Promise<void> {
    this.advertised.clear();
    await Promise.all(this.transports.map((t) => t.close().catch(() => undefined)));
  }

  /** The bound address of the first transport of a protocol (tests bind port 0 and read it here). */
  address(protocol: TransportProtocol): { address: string; port: number } | undefined {
    return this.transports.find((t) => t.protocol === protocol)?.local();
  }

  isReliable(protocol: TransportProtocol): boolean {
    return this.pick(protocol)?.reliable ?? protocol === 'tcp';
  }

  /** Host and port advertised in Via (and Contact) for a protocol. */
  sentBy(protocol: TransportProtocol): { host: string; port: number } {
    const transport = this.pick(protocol) ?? this.transports[0];
    let advertised = this.advertised.get(transport);
    if (!advertised) {
      const local = transport.local();
      advertised = { host: this.options.publicAddress ?? advertisable(local.address), port: local.port };
      this.advertised.set(transport, advertised);
    }
    return advertised;
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    const transport = this.pick(destination.transport, destination.address);
    if (!transport) return Promise.reject(new TransportError(`no ${destination.transport} transport`, destination));
    return transport.send(wireBytes(message), destination);
  }

  /**
   * §18.2.2 with RFC 3581 §4: reliable → the connection the request came on (or a new one to
   * the source); UDP with `rport` → the source address and port; UDP without → the source
   * address (`received`) and the port in sent-by, else 5060.
   */
  responseDestination(request: Pick<SipRequest, 'headers'>, source: Source): Destination {
    const via = request.headers.view(VIEWS.topVia);
    const symmetric = via ? 'rport' in via.params : true;
    const port = symmetric ? source.port : (via?.port ?? 5060);
    const destination: Destination = { transport: source.transport, address: source.address, port };
    if (source.connectionId !== undefined) destination.connectionId = source.connectionId;
    return destination;
  }

  private receive(result: ParseResult, source: Source): void {
    if (!result.ok) return this.reject(result, source);
    const message = result.message;
    if (message.kind === 'request') {
      stampVia(message, source);
      this.user?.receiveRequest(message, source);
    } else if (this.isOurs(message)) {
      this.user?.receiveResponse(message, source);
    } else {
      this.counters.misrouted++;
    }
  }

  /** A request that failed to parse gets the parser's status when its headers allow a reply. */
  private reject(failure: Extract<ParseResult, { ok: false }>, source: Source): void {
    if (failure.status === undefined || !canRespond(failure.partial)) {
      return this.drop(failure.code, source);
    }
    this.counters.rejected++;
    const response = createResponse(failure.partial, failure.status, reasonFor(failure.status, failure.reason));
    this.send(response, this.responseDestination(failure.partial, source)).catch(() => undefined);
    this.options.logger.debug({ code: failure.code, status: failure.status }, 'unparseable request rejected');
  }

  private drop(reason: string, source: Source): void {
    this.counters.dropped++;
    this.options.logger.debug({ reason, transport: source.transport, pii: { address: source.address } }, 'message dropped');
  }

  /** §18.1.2: a response whose top Via sent-by is not ours is discarded. */
  private isOurs(response: SipResponse): boolean {
    const via = getTopVia(response);
    if (!via) return false;
    return this.transports.some((t) => {
      const { host, port } = this.sentBy(t.protocol);
      return (via.port ?? 5060) === port && via.host.toLowerCase() === host.toLowerCase();
    });
  }

  private pick(protocol: TransportProtocol, address?: string): Transport | undefined {
    const candidates = this.byProtocol(protocol);
    // One socket per protocol is the usual set-up: no address family to match (per message).
    if (candidates.length <= 1) return candidates[0];
    const family = address ? isIP(address) : 0;
    if (family === 0) return candidates[0];
    return candidates.find((t) => familyOf(t.local().address) === family) ?? candidates[0];
  }

  private byProtocol(protocol: TransportProtocol): Transport[] {
    let list = this.protocolTransports.get(protocol);
    if (!list) {
      list = this.transports.filter((t) => t.protocol === protocol);
      this.protocolTransports.set(protocol, list);
    }
    return list;
  }
}

/**
 * §18.2.1: add `received` when the sent-by host is not the source address; RFC 3581 §4: fill an
 * empty `rport` with the source port (and then always add `received`).
 */
function stampVia(request: SipRequest, source: Source): void {
  // The parsed top Via is shared with later readers: stamp a copy, not the cached view.
  const via = getTopVia(request);
  if (!via) return;
  const wantsRport = 'rport' in via.params;
  if (!wantsRport && via.host === source.address) return;
  const params: UriParams = { ...via.params, received: source.address };
  if (wantsRport) params.rport = String(source.port);
  const vias = request.headers.getAll('via');
  request.headers.set('via', serializeVia({ ...via, params }));
  for (const rest of vias.slice(1)) request.headers.append('via', rest);
}

function reasonFor(status: number, detail: string): string {
  const base = status === 400 ? 'Bad Request' : undefined;
  return base ? `${base} (${detail.replace(/[^\x20-\x7e]/g, '').slice(0, 100)})` : detail;
}

function familyOf(address: string): number {
  return isIP(address) === 6 ? 6 : 4;
}

/** A wildcard bind address is not something a peer can reach: advertise an interface address. */
function advertisable(address: string): string {
  if (address !== '0.0.0.0' && address !== '::') return address;
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return '127.0.0.1';
}
