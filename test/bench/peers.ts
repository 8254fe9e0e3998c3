/**
 * `npm run bench -- peers`: voxgate's SIP layer side by side with the pure-JS stacks (installed
 * as devDependencies, nothing is fetched at run time) and Kamailio (the C reference, when
 * installed). Two parts, each alternating between the contenders so that load on the shared
 * machine hits them alike:
 * - parse: µs of CPU per message for a carrier INVITE, a 200 OK with SDP, a BYE and RFC 4475
 *   wsinv, in each parser's default and full mode (lib/peer-parsers.ts says what each does);
 * - setups: SIPp (INVITE/200/ACK/BYE, no talk time) against each UAS alone on core 0 (SIPp on
 *   core 1): CPU per call at a common rate, then stepped rates until a step no longer holds
 *   (0.1 % of calls failed, or the offered rate not reached: see `holds`).
 * The Node UASes run as JavaScript compiled by tsc (lib/tsconfig.peers.json), as `npm start` runs
 * the engine: under tsx each process would carry a loader thread and esbuild's per-closure
 * `__name` calls that no deployment has.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';
import { measureParse } from './lib/peer-parse.js';
import { hasTaskset, runStep } from './sip.js';

const here = dirname(fileURLToPath(import.meta.url));
const COMPILED = join(here, '..', '..', 'dist', 'bench', 'test', 'bench', 'lib');
const KAMAILIO = '/usr/sbin/kamailio';
const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

interface Uas {
  name: string;
  describe: string;
  child: ChildProcess;
  port: number;
  cleanup?: () => Promise<void>;
}

function waitReady(child: ChildProcess, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
}

/** Waits until the UAS answers an OPTIONS (Kamailio prints nothing when ready). */
async function waitAnswering(port: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    let answered = false;
    socket.on('message', () => (answered = true));
    for (let i = 0; i < 50 && !answered; i++) {
      // rport: Kamailio answers to the source port, not to the Via's.
      const msg = `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;rport;branch=z9hG4bKping${i}\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: ping${i}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      socket.send(msg, port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!answered) throw new Error('UAS does not answer');
  } finally {
    socket.close();
  }
}

/** Each UAS in a process group of its own (Kamailio forks workers), so its CPU is the group's. */
function spawnPinned(pin: boolean, command: string, args: string[]): ChildProcess {
  const options = { stdio: ['ignore', 'pipe', 'inherit'] as Array<'ignore' | 'pipe' | 'inherit'>, detached: true };
  return pin ? spawn('taskset', ['-c', '0', command, ...args], options) : spawn(command, args, options);
}

/**
 * CPU time of every thread of every process of a group, in seconds: the scheduler's run time in
 * ns (/proc/PID/task/TID/schedstat), where utime + stime count 10 ms ticks, which is 2 % of a
 * 4 s round at 300 calls/s. (The threads of these UASes live as long as their process.)
 */
async function groupCpuSeconds(pgid: number | undefined): Promise<number> {
  if (!pgid) return 0;
  let ns = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = (await readFile(`/proc/${entry}/stat`, 'utf8')).split(') ')[1].split(' ');
      if (Number(fields[2]) !== pgid) continue;
      for (const tid of await readdir(`/proc/${entry}/task`)) {
        ns += Number((await readFile(`/proc/${entry}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return ns / 1e9;
}

/** Compiles the two Node UASes (and the sip/ modules they import) to dist/bench. */
function compileUases(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(here, 'lib', 'tsconfig.peers.json')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc failed for the peer UASes: ${result.stdout}${result.stderr}`);
}

async function startNodeUas(pin: boolean, name: string, file: string, describe: string): Promise<Uas> {
  const port = await freePort();
  const child = spawnPinned(pin, process.execPath, [join(COMPILED, file), String(port)]);
  await waitReady(child, name);
  return { name, describe, child, port };
}

async function startKamailio(pin: boolean): Promise<Uas> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'voxgate-kamailio-'));
  const cfg = (await readFile(join(here, 'lib', 'kamailio-stateless.cfg'), 'utf8')).replace(
    '#!KAMAILIO',
    `#!KAMAILIO\nmpath="${KAMAILIO_MODULES}"\nlisten=udp:127.0.0.1:${port}`,
  );
  await writeFile(join(dir, 'kamailio.cfg'), cfg);
  // -DD: no fork at all, one process (the same one-core budget as the Node UASes).
  // -DD: stay in the foreground; children=1: one UDP worker (plus Kamailio's timer processes).
  const child = spawnPinned(pin, KAMAILIO, ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir]);
  const uas: Uas = {
    name: 'kamailio',
    describe: 'Kamailio 5.6 stateless (sl_send_reply 200 to INVITE and BYE, ACK absorbed, no SDP), one UDP worker, CPU of all its processes',
    child,
    port,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  try {
    await waitAnswering(port);
  } catch (err) {
    await stop(uas);
    throw err;
  }
  return uas;
}

async function stop(uas: Uas): Promise<void> {
  const exited = new Promise((resolve) => uas.child.once('exit', resolve));
  if (uas.child.pid && uas.child.exitCode === null) process.kill(-uas.child.pid, 'SIGTERM');
  await exited;
  await uas.cleanup?.();
}

interface StepFigure {
  rate: number;
  /** The step's nominal length: rate × seconds calls. */
  seconds: number;
  attempted: number;
  /** Calls SIPp created per second while it created them (sip.ts `placementRate`). */
  achievedPerSecond: number;
  /** The step's wall time, SIPp's start to its last call's end (the tail includes retransmissions). */
  wallSeconds: number;
  failed: number;
  failedPercent: number;
  cpuPercentOfCore: number;
  cpuMicrosPerCall: number;
}

async function step(uas: Uas, rate: number, seconds: number, pin: boolean): Promise<StepFigure> {
  const before = await groupCpuSeconds(uas.child.pid);
  const started = performance.now();
  const r = await runStep(uas.port, rate, seconds, pin);
  const cpu = (await groupCpuSeconds(uas.child.pid)) - before;
  const wall = (performance.now() - started) / 1000;
  const attempted = r.successful + r.failed;
  return {
    rate,
    seconds,
    attempted,
    achievedPerSecond: Math.round(r.placedPerSecond ?? attempted / wall),
    wallSeconds: Number(wall.toFixed(2)),
    failed: r.failed,
    failedPercent: attempted ? Number(((100 * r.failed) / attempted).toFixed(3)) : 100,
    cpuPercentOfCore: Number(((100 * cpu) / wall).toFixed(1)),
    cpuMicrosPerCall: attempted ? Math.round((cpu * 1e6) / attempted) : 0,
  };
}

/**
 * A step holds when the UAS kept up with it: under 0.1 % of its calls failed, SIPp created them
 * at (nearly) the offered rate, and the last call ended within a second of the step's nominal end.
 * Failures alone would credit a UAS with a rate it never carried: when it answers late or its
 * socket drops INVITEs (SIPp retransmits after 500 ms), calls still succeed but stay open longer,
 * and either SIPp waits for room (it keeps at most rate × 4 calls open) and creates fewer, or the
 * backlog drains after the step (the `sip` UAS at 5 500/s: created at the rate, 10 of 27 500
 * failed, the last call done 7.8 s after the step). The last condition leaves room for one T1
 * retransmission at the end, which calls / wall time as the rate did not: voxgate at 4 000/s got
 * 3 727/s that way, no call failed, the UAS at 47 % of its core, the step's end 0.37 s late.
 */
function holds(figure: StepFigure): boolean {
  return figure.failedPercent < 0.1 && figure.achievedPerSecond >= 0.95 * figure.rate && figure.wallSeconds <= figure.seconds + 1;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/**
 * voxgate's rounds at the common rate against another UAS's, round by round (the two ran next to
 * each other or at the same time, so slow drifts of the machine hit both): in how many voxgate
 * cost less per call, and the median of voxgate's cost over the other's.
 */
function pairedRounds(voxgate: StepFigure[], other: StepFigure[]): { roundsVoxgateCheaper: string; medianCostRatio: number } {
  const ratios = voxgate.map((v, i) => v.cpuMicrosPerCall / other[i].cpuMicrosPerCall);
  const cheaper = ratios.filter((r) => r < 1).length;
  return { roundsVoxgateCheaper: `${cheaper} of ${ratios.length}`, medianCostRatio: Number(median(ratios).toFixed(3)) };
}

const RATES: Record<string, number[]> = {
  voxgate: [1000, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000],
  sip: [1000, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000],
  kamailio: [2000, 5000, 10000, 15000],
};

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  if (spawnSync('sipp', ['-v']).error) throw new Error('sipp is not installed: run .ci/run (it installs sip-tester)');
  const loadBefore = loadavg().map((n) => Number(n.toFixed(2)));
  const parse = await measureParse(quick ? 3 : 9, quick ? 10 : 25);

  compileUases();
  const pin = hasTaskset();
  const commonRate = 300;
  const commonSeconds = quick ? 2 : 4;
  const commonRounds = quick ? 2 : 15;
  const sharedRounds = quick ? 1 : 10;
  const stepSeconds = quick ? 2 : 5;
  const contenders: Array<() => Promise<Uas>> = [
    () => startNodeUas(pin, 'voxgate', 'peer-voxgate-uas.js', 'voxgate UserAgent (transactions, dialog, RFC 6026 2xx retransmission until ACK), session timer off, maxServerTransactions 1 000 000 (the steps\' 64·T1 tails add up), the same fixed SDP answer as the sip UAS'),
    () => startNodeUas(pin, 'sip', 'peer-sip-uas.js', 'npm `sip` 0.0.6: sip.start + makeResponse, fixed SDP, no dialog state'),
  ];
  if (!spawnSync(KAMAILIO, ['-v']).error) contenders.push(() => startKamailio(pin));
  const uases: Uas[] = [];
  const common: Record<string, StepFigure[]> = {};
  const shared: Record<string, StepFigure[]> = {};
  const steps: Record<string, StepFigure[]> = {};
  try {
    for (const start of contenders) uases.push(await start());
    // Warm-up (JIT, socket buffers), not recorded: a node runs for days, the figure is its steady
    // state. 2 s at the common rate alone left both Node UASes still getting faster round by round.
    for (const uas of uases) for (const rate of [commonRate, 1000, 2000]) await step(uas, rate, 2, pin);
    // CPU at a common rate: many short rounds, the order reversed every other round, so that
    // each round of one UAS has one of the other next to it. At this rate the per-datagram
    // wake-ups dominate and the machine's noise moves a round by ±20 %, even between neighbouring
    // rounds: the median, and each voxgate round against its neighbour (slow drifts cancel).
    for (let round = 0; round < commonRounds; round++) {
      for (const uas of round % 2 === 0 ? uases : [...uases].reverse()) {
        (common[uas.name] ??= []).push(await step(uas, commonRate, commonSeconds, pin));
      }
    }
    // The same rate with the Node UASes on core 0 at the same time, each with its own SIPp: as on
    // a server where the SIP node shares its core, and every moment of the machine's noise falls
    // on both (a round of one is compared with the other's round that ran with it).
    const nodeUases = uases.filter((uas) => uas.name !== 'kamailio');
    for (let round = 0; round < sharedRounds; round++) {
      const figures = await Promise.all(nodeUases.map((uas) => step(uas, commonRate, commonSeconds, pin)));
      nodeUases.forEach((uas, i) => (shared[uas.name] ??= []).push(figures[i]));
    }
    // Stepped rates, one step of each contender in turn, until a step of each no longer holds.
    const done = new Set<string>();
    for (let i = 0; done.size < uases.length; i++) {
      for (const uas of uases) {
        const rate = RATES[uas.name]?.[i];
        if (done.has(uas.name) || rate === undefined) {
          done.add(uas.name);
          continue;
        }
        const figure = await step(uas, rate, stepSeconds, pin);
        (steps[uas.name] ??= []).push(figure);
        if (!holds(figure)) done.add(uas.name);
      }
    }
  } finally {
    for (const uas of uases) await stop(uas);
  }
  const setups: Record<string, unknown> = {};
  for (const uas of uases) {
    const ok = (steps[uas.name] ?? []).filter(holds);
    const cpu = common[uas.name].map((s) => s.cpuMicrosPerCall).sort((a, b) => a - b);
    const top = RATES[uas.name] ?? [];
    setups[uas.name] = {
      describe: uas.describe,
      maxSetupsPerSecondSustained: ok.length ? Math.max(...ok.map((s) => s.rate)) : 0,
      cpuMicrosPerCallAtCommonRate: median(cpu),
      cpuMicrosPerCallAtCommonRateBest: cpu[0],
      ...(ok.length && ok.length === (steps[uas.name] ?? []).length && ok.length === top.length
        ? { note: `every step held up to the highest rate tried (${top[top.length - 1]}/s): the limit is higher; SIPp on one core may be it` }
        : {}),
      cpuPercentOfCoreAtCommonRate: Math.min(...common[uas.name].map((s) => s.cpuPercentOfCore)),
      ...(uas.name === 'voxgate' ? {} : { voxgateAgainstThis: pairedRounds(common.voxgate, common[uas.name]) }),
      ...(shared[uas.name] ? { cpuMicrosPerCallAtCommonRateSharedCore: median(shared[uas.name].map((s) => s.cpuMicrosPerCall)) } : {}),
      ...(shared[uas.name] && uas.name !== 'voxgate' ? { voxgateAgainstThisSharedCore: pairedRounds(shared.voxgate, shared[uas.name]) } : {}),
      commonRateRuns: common[uas.name],
      ...(shared[uas.name] ? { sharedCoreRuns: shared[uas.name] } : {}),
      steps: steps[uas.name],
    };
  }
  return {
    description: 'voxgate vs pure-JS SIP stacks and Kamailio: parse µs of CPU per message (median round), call setups/s sustained (the highest step with < 0.1 % failed and ≥ 95 % of the offered rate placed; short steps: a burst rate), CPU per call at a common rate (median of rounds, and voxgate against each other UAS round by round; each UAS alone on its core, then the Node UASes sharing core 0 at the same time; CPU of the whole process: main thread, GC and JIT threads, kernel, from the scheduler\'s ns run time)',
    loadavgBefore: loadBefore,
    loadavgAfter: loadavg().map((n) => Number(n.toFixed(2))),
    machineShared: 'yes: other sessions run on the same 2 cores; parse is CPU time (not wall), setups are wall-clock rates',
    pinned: pin ? 'each UAS on core 0, SIPp on core 1' : 'not pinned (taskset missing)',
    parse,
    setupsCommonRate: commonRate,
    setupsSecondsPerStep: stepSeconds,
    setups,
  };
}
