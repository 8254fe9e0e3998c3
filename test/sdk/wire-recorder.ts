/**
 * A recording HTTP proxy in front of the API: what a client puts on the wire (method, path, query,
 * headers, raw body) is recorded exactly as received, then forwarded unchanged to the listening
 * app, whose answer goes back unchanged. The contract tests compare the recorded request with the
 * request the SDK's source says each method sends.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface WireRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The raw body, '' when none. */
  body: string;
  /** The body parsed as JSON, undefined when there is none. */
  json: unknown;
}

export class WireRecorder {
  readonly requests: WireRequest[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(targetPort: number): Promise<WireRecorder> {
    let recorder: WireRecorder | null = null;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://recorder');
        const body = raw.toString('utf8');
        recorder?.requests.push({
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
          json: body === '' ? undefined : (JSON.parse(body) as unknown),
        });
        const forward = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        });
        forward.on('error', () => res.writeHead(502).end());
        forward.end(raw);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    recorder = new WireRecorder(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return recorder;
  }

  /** The requests recorded while `work` ran. */
  async during<T>(work: () => Promise<T>): Promise<{ result: T; requests: WireRequest[] }> {
    const from = this.requests.length;
    const result = await work();
    return { result, requests: this.requests.slice(from) };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
