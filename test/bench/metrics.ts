/**
 * `npm run bench -- metrics`: what a Prometheus scrape costs (issue #15). The engine with the
 * fake provider, idle and then carrying live calls; GET /metrics on METRICS_PORT again and
 * again: scrape latency and the size of the exposition. Each scrape asks the media workers for
 * their health report once and makes one PostgreSQL and one Redis round trip.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { percentiles } from '../../media/index.js';
import { startTestEngine } from '../call/engine.js';
import { eventually, voiced } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';

const NUMBER = '+31850015900';
const TOKEN = 'bench-metrics-token-0123';

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const liveCalls = quick ? 10 : 40;
  const scrapes = quick ? 50 : 200;
  const engine = await startTestEngine({ env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN, LOG_LEVEL: 'warn', ORG_MAX_CONCURRENT_CALLS: '100' }, realtime: { responseAudioMs: 1000 } });
  const phones: TestPhone[] = [];
  try {
    await engine.agentWithNumber(NUMBER);
    const port = (engine.node.services.metrics!.server!.address() as AddressInfo).port;
    const scrape = async () => {
      const start = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
      return { ms: performance.now() - start, bytes: body.length, body };
    };
    const series = async () => {
      const times: number[] = [];
      let last = { bytes: 0, body: '' };
      for (let i = 0; i < scrapes; i++) {
        const s = await scrape();
        times.push(s.ms);
        last = s;
      }
      const p = percentiles(times);
      // The media clock over the last inter-scrape window: scraping must not disturb the calls.
      const deviation = (q: string) => Number(new RegExp(`^voxgate_media_frame_deviation_ms\\{worker="0",quantile="${q}"[^}]*\\} (\\S+)$`, 'm').exec(last.body)?.[1] ?? NaN);
      return { p50Ms: round(p.p50), p95Ms: round(p.p95), maxMs: round(Math.max(...times)), bytes: last.bytes, frameDeviationP99Ms: deviation('0.99'), frameDeviationMaxMs: deviation('max') };
    };
    await scrape(); // warm-up
    const idle = await series();
    for (let i = 0; i < liveCalls; i++) {
      const p = await TestPhone.start();
      phones.push(p);
      await p.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, `+3161299${String(i).padStart(4, '0')}`);
    }
    for (const p of phones) await eventually(() => voiced(p.heard).length >= 5, 15_000, 'the greeting');
    const busy = await series();
    return {
      scrapes,
      idle,
      withLiveCalls: { calls: liveCalls, ...busy },
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'shared 2-core machine: other sessions ran tests at the same time (load average above)',
    };
  } finally {
    for (const p of phones) await p.hangup().catch(() => undefined);
    for (const p of phones) await p.close().catch(() => undefined);
    await engine.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
