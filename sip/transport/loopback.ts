/**
 * In-memory transport for tests (pjsip's loop transport): messages are serialized bytes handed
 * from one endpoint to another through a `LoopbackNetwork`, with knobs to drop, delay, duplicate
 * or fail them. Delivery is always asynchronous (a microtask, or a clock timer when delayed) so a
 * reply never re-enters the sender's stack in the middle of a send.
 */
import { realClock, type Clock } from '../clock.js';
import { parseMessage } from '../message/parse.js';
import { TransportError, type Destination, type Source, type Transport, type TransportProtocol } from './types.js';

/** What fault predicates see of each outgoing message. */
export interface LoopbackPacket {
  /** The start line, e.g. "INVITE sip:bob@x SIP/2.0" or "SIP/2.0 200 OK". */
  firstLine: string;
  data: Buffer;
  destination: Destination;
}

export interface LoopbackFaults {
  /** Return true to lose the message silently. */
  drop?: (packet: LoopbackPacket) => boolean;
  /** Return true to deliver the message twice. */
  duplicate?: (packet: LoopbackPacket) => boolean;
  /** Return true to make the send fail with a transport error. */
  fail?: (packet: LoopbackPacket) => boolean;
  /** Delivery delay in ms (on the network's clock). */
  delayMs?: number;
}

export class LoopbackNetwork {
  private readonly endpoints = new Map<string, LoopbackTransport>();
  private nextPort = 5060;

  constructor(readonly clock: Clock = realClock) {}

  /** Creates an endpoint on this network; port 0 picks a free one. */
  endpoint(options: { address?: string; port?: number; protocol?: TransportProtocol } = {}): LoopbackTransport {
    const address = options.address ?? '127.0.0.1';
    let port = options.port ?? 0;
    if (port === 0) while (this.endpoints.has(`${address}:${(port = this.nextPort++)}`));
    return new LoopbackTransport(this, address, port, options.protocol ?? 'udp');
  }

  attach(transport: LoopbackTransport): void {
    const key = `${transport.local().address}:${transport.local().port}`;
    if (this.endpoints.has(key)) throw new Error(`loopback address in use: ${key}`);
    this.endpoints.set(key, transport);
  }

  detach(transport: LoopbackTransport): void {
    const key = `${transport.local().address}:${transport.local().port}`;
    if (this.endpoints.get(key) === transport) this.endpoints.delete(key);
  }

  find(address: string, port: number): LoopbackTransport | undefined {
    return this.endpoints.get(`${address}:${port}`);
  }
}

export class LoopbackTransport implements Transport {
  readonly reliable: boolean;
  onMessage: Transport['onMessage'] = () => undefined;
  onDrop: Transport['onDrop'] = () => undefined;
  /** Faults applied to messages this endpoint sends. */
  faults: LoopbackFaults = {};
  /** The last 10 000 messages this endpoint sent (dropped ones included), for assertions. */
  readonly sent: LoopbackPacket[] = [];
  private listening = false;

  constructor(
    private readonly network: LoopbackNetwork,
    private readonly address: string,
    private readonly port: number,
    readonly protocol: TransportProtocol,
  ) {
    this.reliable = protocol === 'tcp';
  }

  listen(): Promise<void> {
    this.network.attach(this);
    this.listening = true;
    return Promise.resolve();
  }

  local(): { address: string; port: number } {
    return { address: this.address, port: this.port };
  }

  send(data: Buffer, destination: Destination): Promise<void> {
    const packet: LoopbackPacket = { firstLine: firstLine(data), data, destination };
    if (!this.listening) return Promise.reject(new TransportError('loopback transport closed', destination));
    if (this.faults.fail?.(packet)) return Promise.reject(new TransportError('injected failure', destination));
    this.sent.push(packet);
    if (this.sent.length > 10_000) this.sent.splice(0, this.sent.length - 10_000);
    if (this.faults.drop?.(packet)) return Promise.resolve();
    const copies = this.faults.duplicate?.(packet) ? 2 : 1;
    for (let i = 0; i < copies; i++) this.deliver(packet);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.listening = false;
    this.network.detach(this);
    return Promise.resolve();
  }

  /** Called by the network on the receiving endpoint. */
  receive(data: Buffer, from: { address: string; port: number }): void {
    if (!this.listening) return;
    const source: Source = { transport: this.protocol, address: from.address, port: from.port, local: this.local() };
    this.onMessage(parseMessage(data, { transport: this.reliable ? 'stream' : 'datagram' }), source);
  }

  private deliver(packet: LoopbackPacket): void {
    const from = this.local();
    const run = (): void => this.network.find(packet.destination.address, packet.destination.port)?.receive(packet.data, from);
    const delay = this.faults.delayMs ?? 0;
    if (delay > 0) this.network.clock.setTimer(delay, run);
    else queueMicrotask(run);
  }
}

function firstLine(data: Buffer): string {
  const end = data.indexOf('\r\n');
  return data.toString('utf8', 0, end === -1 ? Math.min(data.length, 200) : end);
}
