/**
 * Every metric family voxgate exports (README "Operating voxgate" lists them), on a registry of
 * the node's own. Names follow Prometheus conventions: base units (seconds), `_total` counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const SETUP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
const TURN_BUCKETS = [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];
const JITTER_BUCKETS_MS = [1, 2, 5, 10, 20, 40, 80, 160, 320];
const DELIVERY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const ROUND_TRIP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class MetricFamilies {
  readonly registry = new Registry();

  readonly callsActive = this.gauge('voxgate_calls_active', 'Calls this node owns right now.', ['direction']);
  readonly callsTotal = this.counter('voxgate_calls_total', 'Calls finalised by this node, by final status and end reason.', ['direction', 'status', 'end_reason']);
  readonly callSetup = this.histogram('voxgate_call_setup_seconds', 'INVITE (received, or sent for outbound) to the 200 OK answer.', ['direction'], SETUP_BUCKETS);
  readonly setupFailures = this.counter('voxgate_call_setup_failures_total', 'Calls that were never answered, by the SIP status that ended them.', ['direction', 'sip_code']);
  readonly turnLatency = this.histogram(
    'voxgate_turn_latency_seconds',
    "Per-turn latency waterfall: from the caller's last voiced packet to each stage of the reply.",
    ['engine', 'stage'],
    TURN_BUCKETS,
  );
  readonly bargeIns = this.histogram('voxgate_barge_in_seconds', "Caller's speech onset over the agent to the agent's last RTP packet.", ['confirmed'], TURN_BUCKETS);
  readonly workerUtilisation = this.gauge('voxgate_media_worker_event_loop_utilization', "Share of time each media worker's event loop was busy since the previous scrape (0-1).", ['worker']);
  readonly frameDeviation = this.gauge(
    'voxgate_media_frame_deviation_ms',
    "Media clock: each frame's send time minus its 20 ms deadline since the previous scrape (quantile 0.5, 0.99, max).",
    ['worker', 'quantile'],
  );
  readonly lateFrames = this.counter('voxgate_media_late_frames_total', 'Media clock wakes that missed their deadline by more than the late threshold.', ['worker']);
  readonly workerCalls = this.gauge('voxgate_media_worker_calls', 'Calls each media worker carries.', ['worker']);
  readonly deadWorkers = this.gauge('voxgate_media_workers_dead', 'Media workers that died and are not running.', []);
  readonly rtpReceived = this.counter('voxgate_rtp_packets_received_total', 'RTP packets received from callers (counted when each call ends).', []);
  readonly rtpLost = this.counter('voxgate_rtp_packets_lost_total', 'RTP packets lost on the way from callers: sequence gaps (counted when each call ends).', []);
  readonly rtpJitter = this.histogram('voxgate_rtp_jitter_ms', "Each call's RFC 3550 inter-arrival jitter of the caller's stream at its end.", [], JITTER_BUCKETS_MS);
  readonly providerErrors = this.counter('voxgate_provider_errors_total', "Calls ended by a provider error, by the call's providers, stage and code.", ['provider', 'stage', 'code']);
  readonly webhookDeliveries = this.counter('voxgate_webhook_deliveries_total', 'Webhook delivery attempts by event and outcome (delivered, retry, failed).', ['event', 'outcome']);
  readonly webhookLatency = this.histogram('voxgate_webhook_delivery_seconds', 'Time of one webhook delivery attempt (request to response).', ['outcome'], DELIVERY_BUCKETS);
  readonly queueDepth = this.gauge('voxgate_queue_depth', 'Jobs waiting in each queue, by state; `spool` is end-of-call records waiting for the database.', ['queue', 'state']);
  readonly dbRoundTrip = this.histogram('voxgate_db_round_trip_seconds', 'PostgreSQL round trip (SELECT 1), measured at each scrape.', [], ROUND_TRIP_BUCKETS);
  readonly redisRoundTrip = this.histogram('voxgate_redis_round_trip_seconds', 'Redis round trip (PING), measured at each scrape.', [], ROUND_TRIP_BUCKETS);
  readonly probeFailures = this.counter('voxgate_round_trip_failures_total', 'Scrape-time round trips that failed, by target (db, redis).', ['target']);

  constructor(nodeId: string) {
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}
