/**
 * SIP setup-rate benchmark: SIPp (as UAC) places INVITE → 200 → ACK → BYE calls at stepped
 * rates against one `UserAgent` running alone in a child process (pinned to one core when
 * `taskset` exists). Each step reports successful and failed calls and the UA's CPU; the figure is
 * the highest rate with under 0.1 % failed calls.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const SCENARIO = join(here, '..', 'interop', 'sipp', 'bench-call.xml');
/** The same call, with a 503 (overload refusal) ACKed and counted as an expected outcome. */
const OVERLOAD_SCENARIO = join(here, '..', 'interop', 'sipp', 'bench-call-overload.xml');
const OVERLOAD_FACTOR = 1.3;

interface CpuSample {
  micros: number;
  wallMs: number;
  answered: number;
  failed: number;
  rss: number;
  heapUsed: number;
  stats: { dialogs: number; transactions: { server: number; client: number }; overload?: { refused: number } };
}

interface Step {
  rate: number;
  attempted: number;
  successful: number;
  failed: number;
  failedPercent: number;
  uaCpuPercentOfCore: number;
  uaHeapMb: number;
  sippCpuPercentOfCore: number;
  sippExit: number | null;
}

export function hasTaskset(): boolean {
  return !spawnSync('taskset', ['-c', '0', 'true']).error;
}

async function startUa(pin: boolean, overload = false): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(here, 'sip-ua-child.ts'), overload ? ['--overload'] : [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (pin && child.pid) spawnSync('taskset', ['-cp', '0', String(child.pid)]);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => (m.type === 'ready' ? resolve(m.port) : reject(new Error('bad ready'))));
    child.once('exit', () => reject(new Error('UA child exited')));
  });
  return { child, port };
}

function sample(child: ChildProcess): Promise<CpuSample> {
  return new Promise((resolve) => {
    child.once('message', (m: CpuSample & { type: string }) => resolve(m));
    child.send({ type: 'cpu' });
  });
}

/** SIPp's statistics CSV (';'-separated): the cumulative counters of the last line. */
export function lastCounters(csv: string): Record<string, number> {
  const lines = csv.trim().split('\n');
  const header = lines[0].split(';');
  const last = lines[lines.length - 1].split(';');
  const out: Record<string, number> = {};
  header.forEach((name, i) => (out[name] = Number(last[i])));
  return out;
}

/**
 * The rate at which SIPp created calls (calls/s), from its periodic CSV rows: created calls over
 * elapsed time at the last row before all were created. Unlike calls / wall time it leaves out
 * the step's tail (one call SIPp retransmitted at the end stretches it by 500 ms; the peers
 * bench checks the tail on its own); undefined when no row falls inside the creation.
 */
export function placementRate(csv: string, total: number): number | undefined {
  const lines = csv.trim().split('\n');
  const header = lines[0].split(';');
  const created = header.indexOf('OutgoingCall(C)');
  const epoch = (field: string) => Number(field.split('\t')[2]);
  let rate: number | undefined;
  for (const line of lines.slice(1)) {
    const row = line.split(';');
    const elapsed = epoch(row[2]) - epoch(row[0]);
    const n = Number(row[created]);
    if (n >= total) break;
    if (elapsed >= 0.5 && n > 0) rate = n / elapsed;
  }
  return rate;
}

/** utime + stime of a process, in seconds (Linux /proc). */
export async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface StepResult {
  successful: number;
  failed: number;
  code: number | null;
  sippCpuPercent: number;
  /** Calls SIPp created per second while creating them (`placementRate`). */
  placedPerSecond?: number;
}

export async function runStep(port: number, rate: number, seconds: number, pin: boolean, scenario = SCENARIO): Promise<StepResult> {
  const dir = await mkdtemp(join(tmpdir(), 'voxgate-sipbench-'));
  const calls = rate * seconds;
  const args = [
    `127.0.0.1:${port}`, '-sf', scenario, '-i', '127.0.0.1', '-p', '0', '-t', 'u1',
    '-r', String(rate), '-rp', '1000', '-m', String(calls), '-l', String(rate * 4),
    '-recv_timeout', '8000', '-timeout', `${seconds + 20}s`, '-nostdin',
    '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
  ];
  const bin = pin ? 'taskset' : 'sipp';
  const started = performance.now();
  const child = spawn(bin, pin ? ['-c', '1', 'sipp', ...args] : args, { cwd: dir, stdio: 'ignore' });
  let sippCpu = 0;
  const poll = setInterval(() => void cpuSeconds(child.pid).then((s) => (sippCpu = s ?? sippCpu)), 250);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const sippCpuPercent = (100 * sippCpu) / ((performance.now() - started) / 1000);
  try {
    const csv = await readFile(join(dir, 'stat.csv'), 'utf8');
    const counters = lastCounters(csv);
    return { successful: counters['SuccessfulCall(C)'] ?? 0, failed: counters['FailedCall(C)'] ?? 0, code, sippCpuPercent, placedPerSecond: placementRate(csv, calls) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp is not installed: run .ci/run (it installs sip-tester)');
  const pin = hasTaskset();
  // Full steps last longer than 64·T1 so the transaction table reaches its steady state
  // (rate × 2 × 32 s): the figure is a sustained rate, not a burst.
  // --quick finds the limit with short steps (a burst rate, tables not at steady state).
  const rates = quick ? [1000, 2000, 3000, 4000, 5000, 6000] : [250, 500, 1000, 1500, 2000, 2500, 3000, 3500];
  const seconds = quick ? 5 : 40;
  const before = loadavg();
  if (quick) return quickRun(rates, seconds, pin, before);
  const { child, port } = await startUa(pin);
  const steps: Step[] = [];
  try {
    await runStep(port, 300, 2, pin); // warm-up (JIT), not recorded
    for (const rate of rates) {
      // Start every full step with an empty transaction table (the previous step's 64·T1 tail
      // would otherwise count against this one's).
      if (!quick && steps.length > 0) await new Promise((resolve) => setTimeout(resolve, 35_000));
      const start = await sample(child);
      const result = await runStep(port, rate, seconds, pin);
      const end = await sample(child);
      const attempted = result.successful + result.failed;
      const failedPercent = attempted === 0 ? 100 : (100 * result.failed) / attempted;
      steps.push({
        rate,
        attempted,
        successful: result.successful,
        failed: result.failed,
        failedPercent: Number(failedPercent.toFixed(3)),
        uaCpuPercentOfCore: Number(((100 * (end.micros - start.micros)) / ((end.wallMs - start.wallMs) * 1000)).toFixed(1)),
        uaHeapMb: Math.round(end.heapUsed / 1e6),
        sippCpuPercentOfCore: Number(result.sippCpuPercent.toFixed(1)),
        sippExit: result.code,
      });
      if (failedPercent >= 1) break;
    }
    const busy = await sample(child);
    // Leak check: once Timers J/L (64·T1) and the BYEs of ACK-less dialogs (another 64·T1) have run
    // out, nothing of the calls may remain.
    if (!quick) await new Promise((resolve) => setTimeout(resolve, 70_000));
    const settled = await sample(child);
    const good = steps.filter((s) => s.failedPercent < 0.1 && s.attempted > 0);
    const sustainable = good.length ? Math.max(...good.map((s) => s.rate)) : 0;
    const overload = sustainable > 0 ? await overloadPhase(Math.round(sustainable * OVERLOAD_FACTOR), seconds, pin) : 'no sustainable rate found';
    return {
      description: 'SIPp UAC → one UserAgent process with default options (INVITE/200/ACK/BYE, no talk time), stepped sustained call rate',
      pinned: pin ? 'UA on core 0, SIPp on core 1' : 'not pinned (taskset missing)',
      secondsPerStep: seconds,
      loadavgBefore: before.map((n) => Number(n.toFixed(2))),
      maxCallsPerSecondUnder0_1PercentFailed: sustainable,
      steps,
      overload,
      uaAtEnd: { dialogs: busy.stats.dialogs, transactions: busy.stats.transactions, heapMb: Math.round(busy.heapUsed / 1e6) },
      uaAfterIdle: quick
        ? 'skipped in --quick'
        : { dialogs: settled.stats.dialogs, transactions: settled.stats.transactions, heapMb: Math.round(settled.heapUsed / 1e6), rssMb: Math.round(settled.rss / 1e6) },
    };
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

interface OverloadRun {
  attempted: number;
  refused: number;
  accepted: number;
  failed: number;
  /** Calls we accepted (not refused with 503) that SIPp saw complete; every SIPp failure is charged to them. */
  acceptedSucceededPercent: number;
  uaCpuPercentOfCore: number;
}

/** One UA at `rate` with or without `UserAgentOptions.overload`, fresh (empty tables). */
async function overloadRun(rate: number, seconds: number, pin: boolean, withGuard: boolean): Promise<OverloadRun> {
  const { child, port } = await startUa(pin, withGuard);
  try {
    await runStep(port, 300, 2, pin); // warm-up (JIT), not recorded
    const start = await sample(child);
    const result = await runStep(port, rate, seconds, pin, OVERLOAD_SCENARIO);
    const end = await sample(child);
    const attempted = result.successful + result.failed;
    const refused = end.stats.overload?.refused ?? 0;
    const accepted = attempted - refused;
    return {
      attempted,
      refused,
      accepted,
      failed: result.failed,
      acceptedSucceededPercent: accepted > 0 ? Number(((100 * (accepted - result.failed)) / accepted).toFixed(2)) : 0,
      uaCpuPercentOfCore: Number(((100 * (end.micros - start.micros)) / ((end.wallMs - start.wallMs) * 1000)).toFixed(1)),
    };
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** 1.3× the sustainable rate, with the overload guard (503 + Retry-After) and, for contrast, without. */
async function overloadPhase(rate: number, seconds: number, pin: boolean): Promise<Record<string, unknown>> {
  const withGuard = await overloadRun(rate, seconds, pin, true);
  const withoutGuard = await overloadRun(rate, seconds, pin, false);
  return {
    description: `${OVERLOAD_FACTOR}× the sustainable rate; 503s are ACKed and count as refused, not failed (test/interop/sipp/bench-call-overload.xml)`,
    rate,
    factor: OVERLOAD_FACTOR,
    withOverloadOption: withGuard,
    withoutOverloadOption: withoutGuard,
  };
}

/**
 * --quick: each step on a fresh UA (no 64·T1 tail from the step before, which in 5 s steps
 * would otherwise fill the transaction table), then the overload phase at 1.3× the best rate.
 */
async function quickRun(rates: number[], seconds: number, pin: boolean, before: number[]): Promise<Record<string, unknown>> {
  const steps: Array<{ rate: number; attempted: number; failed: number; failedPercent: number; uaCpuPercentOfCore: number }> = [];
  for (const rate of rates) {
    const r = await overloadRun(rate, seconds, pin, false);
    const failedPercent = r.attempted === 0 ? 100 : (100 * r.failed) / r.attempted;
    steps.push({ rate, attempted: r.attempted, failed: r.failed, failedPercent: Number(failedPercent.toFixed(3)), uaCpuPercentOfCore: r.uaCpuPercentOfCore });
    if (failedPercent >= 1) break;
  }
  const good = steps.filter((s) => s.failedPercent < 0.1 && s.attempted > 0);
  const sustainable = good.length ? Math.max(...good.map((s) => s.rate)) : 0;
  const overload = sustainable > 0 ? await overloadPhase(Math.round(sustainable * OVERLOAD_FACTOR), seconds, pin) : 'no sustainable rate found';
  return {
    description: `--quick: SIPp UAC → a fresh UserAgent process per ${seconds} s step (INVITE/200/ACK/BYE, no talk time, SDP negotiated per call): a burst rate, tables not at their 64·T1 steady state`,
    pinned: pin ? 'UA on core 0, SIPp on core 1' : 'not pinned (taskset missing)',
    secondsPerStep: seconds,
    loadavgBefore: before.map((n) => Number(n.toFixed(2))),
    loadavgAfter: loadavg().map((n) => Number(n.toFixed(2))),
    maxCallsPerSecondUnder0_1PercentFailed: sustainable,
    steps,
    overload,
  };
}
