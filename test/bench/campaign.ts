/**
 * Campaign dialer benchmark (`npm run bench -- campaign`): the engine in this process, SIPp as
 * trunk and callee (486 Busy, so a call costs SIP set-up and media start, no conversation), the
 * dialer passes run every TICK_MS on the real clock, as its own timer would.
 * - dial rate against the trunk's calls_per_second: INVITEs per second over the run and the most
 *   INVITEs SIPp received in any one-second span, at two limits;
 * - scheduling delay: a lead's next_attempt_at (when it became due) → its INVITE at SIPp, p50/p95,
 *   at the default pass interval (CAMPAIGN_DIALER_TICK_MS 500);
 * - the dialer's cost with 1,000 pending leads: CPU and wall time of one pass when none is due
 *   (retries later), when the window is closed, and while dialing them at 20 calls per second
 *   (plus the whole engine process's CPU then).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { eventually } from '../events/fixtures.js';
import { rejectScenario } from '../interop/sipp-runner.js';
import { SippCallee } from '../campaign/callee.js';
import { startCampaignHarness, type CampaignHarness } from '../campaign/harness.js';

const DEFAULT_TICK_MS = 500;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
}

const summary = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), max: percentile(values, 100), n: values.length });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function leads(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({ phone_number: `+316${prefix}${String(i).padStart(5, '0')}` }));
}

/** Passes every `tickMs` on the real clock until `done`; returns each pass's wall and CPU time. */
async function drive(h: CampaignHarness, tickMs: number, done: () => Promise<boolean>, timeoutMs: number) {
  const wall: number[] = [];
  const cpu: number[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('bench phase timed out');
    h.clock.set(new Date());
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await h.pass();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    await sleep(tickMs);
  }
  return { wall, cpu };
}

function worstSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= 1000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
}

async function dialRate(h: CampaignHarness, callee: SippCallee, cps: number, count: number, tag: string) {
  await h.trunkAt(callee.port, cps);
  const before = (await callee.stats()).invites.length;
  const campaign = await h.createCampaign({ max_concurrent_calls: 50, max_attempts: 1 }, leads(count, tag));
  await drive(h, 100, async () => (await h.campaign(campaign.id)).status === 'completed', 120_000);
  const times = (await callee.stats()).invites.slice(before).map((i) => i.at);
  const spanS = (Math.max(...times) - Math.min(...times)) / 1000;
  return { calls_per_second_limit: cps, calls: times.length, measured_per_second: Math.round(((times.length - 1) / spanS) * 100) / 100, most_in_any_second: worstSecond(times) };
}

async function schedulingDelay(h: CampaignHarness, callee: SippCallee, quick: boolean) {
  await h.trunkAt(callee.port, 100);
  const n = quick ? 20 : 60;
  const campaign = await h.createCampaign({ max_concurrent_calls: 50, max_attempts: 1 }, leads(n, '7'));
  // Due one after the other, 150 ms apart, starting in a second; the passes run as the dialer's timer would.
  const start = Date.now() + 1000;
  const db = h.engine.database.db;
  await db.query(
    `UPDATE leads l SET next_attempt_at = to_timestamp(($2::bigint + 150 * (x.rn - 1)) / 1000.0)
       FROM (SELECT id, row_number() OVER (ORDER BY seq) AS rn FROM leads WHERE campaign_id = $1) x WHERE l.id = x.id`,
    [campaign.id, start],
  );
  const due = new Map((await db.query<{ phone_number: string; due: Date }>('SELECT phone_number, next_attempt_at AS due FROM leads WHERE campaign_id = $1', [campaign.id])).rows.map((r) => [r.phone_number, r.due.getTime()]));
  await drive(h, DEFAULT_TICK_MS, async () => (await h.campaign(campaign.id)).status === 'completed', 60_000);
  const delays = (await callee.stats()).invites.filter((i) => due.has(i.user)).map((i) => i.at - due.get(i.user)!);
  return { tick_ms: DEFAULT_TICK_MS, ...summary(delays) };
}

async function costAtThousand(h: CampaignHarness, callee: SippCallee) {
  await h.trunkAt(callee.port, 20);
  const db = h.engine.database.db;
  const campaign = await h.createCampaign({ max_concurrent_calls: 50, max_attempts: 1 }, leads(1000, '8'));
  const idle = async (label: string) => {
    let passes = 0;
    const r = await drive(h, 100, async () => ++passes > 20, 30_000);
    return { label, pass_wall_ms: summary(r.wall), pass_cpu_ms: summary(r.cpu) };
  };
  await db.query("UPDATE leads SET next_attempt_at = now() + interval '1 day' WHERE campaign_id = $1", [campaign.id]);
  const notDue = await idle('1000 pending, none due');
  await db.query("UPDATE leads SET next_attempt_at = NULL WHERE campaign_id = $1", [campaign.id]);
  await db.query("UPDATE campaigns SET schedule_days = '{}' WHERE id = $1", [campaign.id]);
  const closed = await idle('1000 pending, window closed');
  await db.query("UPDATE campaigns SET schedule_days = '{mon,tue,wed,thu,fri,sat,sun}' WHERE id = $1", [campaign.id]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const before = (await callee.stats()).invites.length;
  const r = await drive(h, 100, async () => (await callee.stats()).invites.length - before >= 150, 60_000);
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  await db.query("UPDATE campaigns SET status = 'cancelled' WHERE id = $1", [campaign.id]);
  await eventually(async () => (await h.leads(campaign.id)).every((l) => l.status !== 'calling'), 20_000, 'calls to end');
  return {
    none_due: notDue,
    window_closed: closed,
    dialing_20_cps: {
      label: '1000 pending, dialing at 20 calls per second (first 150 calls); a pass includes placing its calls (agent, keys, call row, media start)',
      pass_wall_ms: summary(r.wall),
      pass_cpu_ms: summary(r.cpu),
      engine_process_cpu_percent_of_one_core: Math.round((((c.user + c.system) / 1e6) / wallS) * 1000) / 10,
      dialer_passes_cpu_percent_of_one_core: Math.round((r.cpu.reduce((a, b) => a + b, 0) / 1000 / wallS) * 1000) / 10,
    },
  };
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const loadBefore = loadavg();
  const h = await startCampaignHarness({ env: { ORG_MAX_CONCURRENT_CALLS: '200', MEDIA_WORKERS: '1', LOG_LEVEL: 'warn' } });
  const callee = await SippCallee.start(await rejectScenario(486, 'Busy Here'));
  try {
    const rate = [await dialRate(h, callee, 5, quick ? 20 : 40, '5'), await dialRate(h, callee, 20, quick ? 40 : 100, '6')];
    const delay = await schedulingDelay(h, callee, quick);
    const cost = await costAtThousand(h, callee);
    return {
      note: 'SIPp (486 Busy) as trunk and callees; times are SIPp receive times; the machine is shared with other sessions (load average below)',
      load_average_before: loadBefore.map((l) => Math.round(l * 100) / 100),
      load_average_after: loadavg().map((l) => Math.round(l * 100) / 100),
      dial_rate: rate,
      lead_due_to_invite_ms: delay,
      dialer_at_1000_pending_leads: cost,
    };
  } finally {
    await callee.stop();
    await h.close();
  }
}
