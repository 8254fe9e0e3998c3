/**
 * Prometheus metrics of one node (issue #15): GET /metrics on the REST API port for a bearer
 * token (METRICS_TOKEN), and/or on a listener of its own (METRICS_PORT, METRICS_HOST). Call
 * figures are counted from the signalling service's events; the media workers' figures come
 * from their existing health reports, asked once per scrape, never from per-packet work.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { postCallFor } from '../analysis/index.js';
import type { VoxgateNode } from '../node.js';
import { portInUse } from '../node.js';
import { recordCallEvents } from './calls.js';
import { MetricFamilies } from './families.js';

export { MetricFamilies } from './families.js';
export { registerMetricsRoute } from './route.js';

declare module '../api/deps.js' {
  interface ApiServices {
    metrics: NodeMetrics;
  }
}

interface Queue {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

const QUEUE_STATES = ['waiting', 'delayed', 'active', 'failed'];

export class NodeMetrics {
  readonly families: MetricFamilies;
  private telephonyWired = false;
  server: Server | null = null;

  constructor(private readonly node: VoxgateNode) {
    this.families = new MetricFamilies(node.id);
  }

  get contentType(): string {
    return this.families.registry.contentType;
  }

  /** Counts the calls of this node's signalling service (once it runs). */
  wireTelephony(): void {
    const telephony = this.node.services.telephony;
    if (!telephony || this.telephonyWired) return;
    this.telephonyWired = true;
    recordCallEvents(telephony, this.families);
  }

  /** One webhook delivery attempt (events/queue.ts). */
  webhookAttempt(event: string, outcome: 'delivered' | 'retry' | 'failed', durationMs: number): void {
    this.families.webhookDeliveries.inc({ event, outcome });
    this.families.webhookLatency.observe({ outcome }, durationMs / 1000);
  }

  /** True when the request carries the token (always true on the own port without a token). */
  authorized(authorization: string | undefined, ownPort: boolean): boolean {
    const token = this.node.config.metrics.token;
    if (token === null) return ownPort;
    const given = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '');
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  /** The exposition text, after refreshing what is sampled at scrape time. */
  async render(): Promise<string> {
    await Promise.all([this.sampleMedia(), this.sampleQueues(), this.sampleRoundTrips()]);
    return this.families.registry.metrics();
  }

  private async sampleMedia(): Promise<void> {
    const m = this.families;
    const telephony = this.node.services.telephony;
    m.callsActive.reset();
    if (!telephony) return;
    m.callsActive.set({ direction: 'inbound' }, 0);
    m.callsActive.set({ direction: 'outbound' }, 0);
    for (const call of telephony.liveCallList()) m.callsActive.inc({ direction: call.direction });
    // A window per scrape: utilisation and clock figures since the previous one.
    const health = await telephony.mediaHealth(true);
    m.deadWorkers.set(health.deadWorkers.length);
    for (const w of health.workers) {
      const worker = String(w.index);
      m.workerUtilisation.set({ worker }, w.eventLoopUtilization);
      m.workerCalls.set({ worker }, w.calls);
      m.lateFrames.inc({ worker }, w.clock.lateTicks);
      if (w.clock.frameDeviation.count > 0) {
        m.frameDeviation.set({ worker, quantile: '0.5' }, w.clock.frameDeviation.p50);
        m.frameDeviation.set({ worker, quantile: '0.99' }, w.clock.frameDeviation.p99);
        m.frameDeviation.set({ worker, quantile: 'max' }, w.clock.frameDeviation.max);
      }
    }
  }

  private async sampleQueues(): Promise<void> {
    const queues: Array<[string, Queue | undefined]> = [
      ['webhooks', this.node.services.webhookQueue?.queue as unknown as Queue | undefined],
      ['post-call', postCallFor(this.node).queue as unknown as Queue],
    ];
    await Promise.all(
      queues.map(async ([name, queue]) => {
        if (!queue) return;
        const counts = await queue.getJobCounts(...QUEUE_STATES).catch(() => null);
        if (counts) for (const state of QUEUE_STATES) this.families.queueDepth.set({ queue: name, state }, counts[state] ?? 0);
      }),
    );
    const closer = this.node.services.telephony?.closer;
    if (closer) this.families.queueDepth.set({ queue: 'spool', state: 'waiting' }, closer.pending);
  }

  private async sampleRoundTrips(): Promise<void> {
    const time = async (target: 'db' | 'redis', run: () => Promise<unknown>) => {
      const start = performance.now();
      try {
        await run();
        (target === 'db' ? this.families.dbRoundTrip : this.families.redisRoundTrip).observe((performance.now() - start) / 1000);
      } catch {
        this.families.probeFailures.inc({ target });
      }
    };
    await Promise.all([time('db', () => this.node.db.query('SELECT 1')), time('redis', () => this.node.redis.ping())]);
  }
}

const perNode = new WeakMap<VoxgateNode, NodeMetrics>();

export function metricsFor(node: VoxgateNode): NodeMetrics {
  let metrics = perNode.get(node);
  if (!metrics) {
    metrics = new NodeMetrics(node);
    perNode.set(node, metrics);
    node.services.metrics = metrics;
  }
  return metrics;
}

async function serve(metrics: NodeMetrics, req: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' || path !== '/metrics') return { status: 404, type: 'text/plain', body: 'not found: GET /metrics\n' };
  if (!metrics.authorized(req.headers.authorization, true)) return { status: 401, type: 'text/plain', body: 'a valid METRICS_TOKEN is required\n' };
  return { status: 200, type: metrics.contentType, body: await metrics.render() };
}

/**
 * Runs on every role (idempotent): counts this node's calls once the `sip` role started, and
 * opens METRICS_PORT once.
 */
export async function startMetrics(node: VoxgateNode): Promise<void> {
  const metrics = metricsFor(node);
  metrics.wireTelephony();
  const { port, host } = node.config.metrics;
  if (port === null || metrics.server) return;
  const server = createServer((req, res) => {
    serve(metrics, req).then(
      ({ status, type, body }) => res.writeHead(status, { 'content-type': type }).end(body),
      (err: unknown) => {
        node.log.warn({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
      },
    );
  });
  metrics.server = server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(portInUse(err, 'Metrics', port, 'METRICS_PORT')));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  node.log.info({ url: `http://${host}:${typeof address === 'object' && address ? address.port : port}/metrics` }, 'metrics listening');
  node.onStop('metrics', () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    return closed;
  });
}
