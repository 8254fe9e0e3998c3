/**
 * Addresses and the transport contract shared by the transport layer and the layers above it.
 */
import type { ParseResult } from '../message/parse.js';

export type TransportProtocol = 'udp' | 'tcp';

/** Where a message goes or came from, as seen on the wire. */
export interface Endpoint {
  transport: TransportProtocol;
  address: string;
  port: number;
}

/**
 * A destination, optionally pinned to an existing connection (RFC 3261 §18.2.2: a response goes
 * back over the connection the request arrived on while it is open).
 */
export interface Destination extends Endpoint {
  connectionId?: number;
}

/** Where a received message came from, and which local socket received it. */
export interface Source extends Destination {
  local: { address: string; port: number };
}

/** Raised (as a rejected send) when a message could not be handed to the network. */
export class TransportError extends Error {
  readonly code = 'SIP_TRANSPORT_ERROR';

  constructor(
    message: string,
    readonly destination: Endpoint,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/**
 * One socket-level transport (a UDP socket, a TCP listener with its connections, a loopback port).
 * It turns bytes into parse results (datagram parse, or stream framing for TCP) and sends bytes;
 * the RFC 3581 / §18.2 rules live in the transport layer above it.
 */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** Reliable transports (TCP) skip retransmissions and the wait timers D/I/J/K. */
  readonly reliable: boolean;
  /** Called with each complete message (parsed or not) and where it came from; set by the layer. */
  onMessage: (result: ParseResult, source: Source) => void;
  /** Called when bytes are discarded without a parse result (framing lost, oversize…), for counters. */
  onDrop: (reason: string, source: Source) => void;
  listen(): Promise<void>;
  /** The bound local address; valid after `listen()`. */
  local(): { address: string; port: number };
  /** Resolves once the bytes are handed to the OS; rejects with `TransportError`. */
  send(data: Buffer, destination: Destination): Promise<void>;
  close(): Promise<void>;
}
