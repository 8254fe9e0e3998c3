/**
 * SIP over TCP (RFC 3261 §18.3): a listener plus a pool of connections, each with a stream
 * framer. Connections are reused both ways (§18.2.2: responses go back over the connection the
 * request came on; outbound requests reuse an open connection to the same address and port),
 * answered for RFC 5626 CRLF keep-alives, and closed when idle.
 */
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { realClock, type Clock, type TimerHandle } from '../clock.js';
import { SipStreamFramer } from '../message/framer.js';
import { TransportError, type Destination, type Source, type Transport } from './types.js';

export interface TcpTransportOptions {
  host: string;
  port: number;
  clock?: Clock;
  /** Connections with no complete message either way for this long are closed (default 5 min). */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxConnections?: number;
}

interface Connection {
  id: number;
  socket: Socket;
  key: string;
  framer: SipStreamFramer;
  lastActivity: number;
  source: Source;
}

/** A peer that does not read what we write is cut off beyond this backlog. */
const MAX_WRITE_BACKLOG = 1 << 20;

const endpointKey = (address: string, port: number): string => `${address}|${port}`;

export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  onMessage: Transport['onMessage'] = () => undefined;
  onDrop: Transport['onDrop'] = () => undefined;
  private server?: Server;
  private bound?: { address: string; port: number };
  private readonly byId = new Map<number, Connection>();
  private readonly byKey = new Map<string, Connection>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  private nextId = 1;
  private sweepTimer?: TimerHandle;
  private readonly clock: Clock;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: TcpTransportOptions) {
    this.clock = options.clock ?? realClock;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.server = server;
    const address = server.address();
    if (address && typeof address === 'object') this.bound = { address: address.address, port: address.port };
    this.scheduleSweep();
  }

  local(): { address: string; port: number } {
    if (!this.bound) throw new Error('TCP transport is not listening');
    return this.bound;
  }

  async send(data: Buffer, destination: Destination): Promise<void> {
    if (!this.server) throw new TransportError('TCP transport is closed', destination);
    const conn =
      (destination.connectionId !== undefined ? this.byId.get(destination.connectionId) : undefined) ??
      this.byKey.get(endpointKey(destination.address, destination.port)) ??
      (await this.open(destination));
    this.write(conn, data, destination);
  }

  async close(): Promise<void> {
    this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const conn of this.byId.values()) conn.socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private write(conn: Connection, data: Buffer, destination: Destination): void {
    if (conn.socket.destroyed || !conn.socket.writable) {
      throw new TransportError('TCP connection closed', destination);
    }
    if (conn.socket.writableLength > MAX_WRITE_BACKLOG) {
      conn.socket.destroy();
      throw new TransportError('TCP peer is not reading', destination);
    }
    conn.lastActivity = this.clock.now();
    conn.socket.write(data);
  }

  private accept(socket: Socket): void {
    if (this.byId.size >= (this.options.maxConnections ?? 10_000)) {
      socket.destroy();
      return;
    }
    this.register(socket);
  }

  private open(destination: Destination): Promise<Connection> {
    const key = endpointKey(destination.address, destination.port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const promise = new Promise<Connection>((resolve, reject) => {
      const socket = connect({ host: destination.address, port: destination.port, family: isIP(destination.address) || undefined });
      const timer = this.clock.setTimer(this.options.connectTimeoutMs ?? 10_000, () => socket.destroy(new Error('connect timeout')));
      socket.once('connect', () => {
        this.clock.clearTimer(timer);
        resolve(this.register(socket));
      });
      socket.once('error', (err) => {
        this.clock.clearTimer(timer);
        reject(new TransportError('TCP connect failed', destination, { cause: err }));
      });
    }).finally(() => this.connecting.delete(key));
    this.connecting.set(key, promise);
    return promise;
  }

  private register(socket: Socket): Connection {
    const address = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    const id = this.nextId++;
    const local = { address: socket.localAddress ?? this.local().address, port: this.local().port };
    const conn: Connection = {
      id,
      socket,
      key: endpointKey(address, port),
      framer: new SipStreamFramer(),
      lastActivity: this.clock.now(),
      source: { transport: 'tcp', address, port, connectionId: id, local },
    };
    this.byId.set(id, conn);
    this.byKey.set(conn.key, conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(conn, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.unregister(conn));
    return conn;
  }

  private unregister(conn: Connection): void {
    this.byId.delete(conn.id);
    if (this.byKey.get(conn.key) === conn) this.byKey.delete(conn.key);
  }

  private receive(conn: Connection, chunk: Buffer): void {
    for (const event of conn.framer.push(chunk)) {
      switch (event.type) {
        case 'message':
          conn.lastActivity = this.clock.now();
          this.onMessage({ ok: true, message: event.message }, conn.source);
          break;
        case 'invalid':
          this.onMessage(event.failure, conn.source);
          break;
        case 'ping':
          // RFC 5626 §4.4.1: answer a double-CRLF ping with a single CRLF pong.
          if (conn.socket.writable) conn.socket.write('\r\n');
          break;
        case 'pong':
          break;
        case 'error':
          // §18.3: framing is lost; the only safe thing is to close the connection.
          this.onDrop(event.code, conn.source);
          conn.socket.destroy();
          return;
      }
    }
  }

  private scheduleSweep(): void {
    const every = Math.max(1000, Math.floor(this.idleTimeoutMs / 2));
    this.sweepTimer = this.clock.setTimer(every, () => {
      const cutoff = this.clock.now() - this.idleTimeoutMs;
      for (const conn of this.byId.values()) {
        if (conn.lastActivity <= cutoff) conn.socket.destroy();
      }
      if (this.server) this.scheduleSweep();
    });
  }
}
