/**
 * SIP over UDP (RFC 3261 §18): one datagram is one message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { parseMessage } from '../message/parse.js';
import { TransportError, type Destination, type Source, type Transport } from './types.js';

export interface UdpTransportOptions {
  host: string;
  port: number;
  /** Socket receive buffer (capped by the kernel's rmem_max); default 4 MiB so bursts are not dropped. */
  receiveBufferBytes?: number;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  onMessage: Transport['onMessage'] = () => undefined;
  onDrop: Transport['onDrop'] = () => undefined;
  private socket?: Socket;
  private bound?: { address: string; port: number };

  constructor(private readonly options: UdpTransportOptions) {}

  async listen(): Promise<void> {
    const socket = createSocket({ type: isIP(this.options.host) === 6 ? 'udp6' : 'udp4', lookup: lookupLiteral });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A socket error after bind (e.g. ICMP-driven) must not crash the process.
    socket.on('error', () => undefined);
    try {
      socket.setRecvBufferSize(this.options.receiveBufferBytes ?? 4 * 1024 * 1024);
    } catch {
      // The kernel refused the size; the default buffer still works.
    }
    socket.on('message', (data, rinfo) => this.receive(data, rinfo.address, rinfo.port));
    this.socket = socket;
    const address = socket.address();
    this.bound = { address: address.address, port: address.port };
  }

  local(): { address: string; port: number } {
    if (!this.bound) throw new Error('UDP transport is not listening');
    return this.bound;
  }

  send(data: Buffer, destination: Destination): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new TransportError('UDP transport is closed', destination));
    return new Promise((resolve, reject) => {
      socket.send(data, destination.port, destination.address, (err) => {
        if (err) reject(new TransportError('UDP send failed', destination, { cause: err }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private receive(data: Buffer, address: string, port: number): void {
    const source: Source = { transport: 'udp', address, port, local: this.local() };
    // RFC 5626 §4.4.1 keep-alives are STUN on UDP, but many devices send bare CRLFs: ignore them.
    if (isOnlyCrlf(data)) return;
    this.onMessage(parseMessage(data), source);
  }
}

/**
 * dgram resolves every destination, and its default (dns.lookup) answers even a literal IP a tick
 * later, so each send went through an extra callback turn; our destinations are nearly always
 * literal IPs (responses go to the source address), answered here at once.
 */
function lookupLiteral(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  lookup(hostname, options, callback);
}

function isOnlyCrlf(data: Buffer): boolean {
  for (const byte of data) if (byte !== 0x0d && byte !== 0x0a) return false;
  return true;
}
