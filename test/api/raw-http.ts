/** Raw TCP clients for the HTTP hardening tests: they send exactly the bytes an attacker would. */
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RawClient {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves with the milliseconds from connect to close, or null if still open after `withinMs`. */
  closed(withinMs: number): Promise<number | null>;
}

export async function listenLocal(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return address.port;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let closedAfter: number | null = null;
    const waiters: (() => void)[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => undefined); // a reset is a close for these tests
    socket.on('close', () => {
      closedAfter = performance.now() - started;
      waiters.forEach((w) => w());
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed: (withinMs) =>
          new Promise((done) => {
            if (closedAfter !== null) return done(closedAfter);
            const timer = setTimeout(() => done(null), withinMs);
            waiters.push(() => {
              clearTimeout(timer);
              done(closedAfter);
            });
          }),
      }),
    );
    socket.once('error', reject);
  });
}

/** One request over a fresh connection; resolves with the raw answer once the server closes or `withinMs` passes. */
export async function rawRequest(port: number, bytes: string, withinMs = 2000): Promise<{ status: number; headers: string; body: string }> {
  const client = await rawClient(port);
  client.socket.write(bytes);
  const answered = new Promise<void>((resolve) => {
    const check = () => {
      const text = client.received();
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (end !== -1 && length && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1])) resolve();
    };
    client.socket.on('data', check);
    client.socket.on('close', () => resolve());
  });
  await Promise.race([answered, client.closed(withinMs)]);
  client.socket.destroy();
  const text = client.received();
  const end = text.indexOf('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), headers: text.slice(0, end), body: text.slice(end + 4) };
}
