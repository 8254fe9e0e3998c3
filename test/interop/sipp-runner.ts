/**
 * Runs SIPp 3.6 (Debian `sip-tester`) against a local UA: one scenario, one call, on loopback,
 * with its local port from `freePort` and a global timeout, and returns its exit code plus the
 * logs worth printing when it fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';

export const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'sipp');

/** Fails loudly when SIPp is not installed: the tests never skip. */
export function requireSipp(): string {
  const found = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (found.error || !`${found.stdout}${found.stderr}`.includes('SIPp')) {
    throw new Error('sipp (SIPp 3.6, Debian package sip-tester) is not installed: run .ci/run, which installs it');
  }
  return 'sipp';
}

export interface SippRun {
  /** Scenario file name under test/interop/sipp, or an absolute path. */
  scenario: string;
  /** Where SIPp sends (our UA), omitted for SIPp acting as UAS. */
  remotePort?: number;
  transport?: 'udp' | 'tcp';
  service?: string;
  timeoutSeconds?: number;
  extraArgs?: string[];
  /** Called once SIPp is started, with its port (UAS scenarios: place the call to it now). */
  onStarted?: (sippPort: number) => void;
}

export interface SippResult {
  code: number | null;
  stdout: string;
  errors: string;
}

/**
 * Runs the scenario; a port picked by binding 0 can be taken by someone else before SIPp binds
 * it (the suite runs two files at a time), so a bind failure is retried with fresh ports.
 */
export async function runSipp(run: SippRun): Promise<SippResult> {
  for (let attempt = 0; ; attempt++) {
    const result = await runOnce(run);
    if (attempt >= 4 || !/Unable to bind/.test(result.stdout)) return result;
  }
}

async function runOnce(run: SippRun): Promise<SippResult> {
  const bin = requireSipp();
  const dir = await mkdtemp(join(tmpdir(), 'voxgate-sipp-'));
  const localPort = await freePort();
  const mediaPort = await freePort();
  const args = [
    ...(run.remotePort !== undefined ? [`127.0.0.1:${run.remotePort}`] : []),
    '-sf', isAbsolute(run.scenario) ? run.scenario : join(SCENARIOS, run.scenario),
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-mp', String(mediaPort),
    '-s', run.service ?? '+15550002222',
    '-t', run.transport === 'tcp' ? 't1' : 'u1',
    '-m', '1',
    '-nostdin',
    '-trace_err',
    '-error_file', join(dir, 'errors.log'),
    '-timeout', `${run.timeoutSeconds ?? 20}s`,
    '-timeout_error',
    ...(run.extraArgs ?? []),
  ];
  try {
    const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const started = run.onStarted;
    const timer = started ? setTimeout(() => started(localPort), 300) : undefined;
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    return { code, stdout: stdout.slice(-4000), errors: await readErrors(dir) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readErrors(dir: string): Promise<string> {
  let out = '';
  for (const file of await readdir(dir)) {
    if (file.endsWith('.log')) out += `--- ${file}\n${(await readFile(join(dir, file), 'utf8')).slice(-4000)}\n`;
  }
  return out;
}

/**
 * uas-reject.xml with its final response filled in (SIPp reads status codes when it loads a
 * scenario, so they cannot be variables): a callee that rings, then answers `code reason`.
 */
export async function rejectScenario(code: number, reason: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voxgate-reject-'));
  const file = join(dir, `uas-reject-${code}.xml`);
  const template = await readFile(join(SCENARIOS, 'uas-reject.xml'), 'utf8');
  await writeFile(file, template.replace('CODE REASON', `${code} ${reason}`));
  return file;
}
