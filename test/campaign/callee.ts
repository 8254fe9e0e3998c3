/**
 * SIPp as the trunk and callees of a campaign: one SIPp UAS process that takes any number of
 * calls with one scenario (answer, busy, never answer…) and logs every SIP message it sends and
 * receives (`-trace_msg`). The test reads that log: which numbers were dialed (the Request-URI
 * user), how many distinct INVITEs (Call-IDs) each got, and how many calls were up at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSipp, SCENARIOS } from '../interop/sipp-runner.js';
import { freePort } from '../helpers/ports.js';

export interface SipLogEntry {
  at: number;
  direction: 'received' | 'sent';
  firstLine: string;
  callId: string;
  /** The Request-URI user of an INVITE (the number dialed). */
  user: string | null;
}

export interface CalleeStats {
  /** Distinct INVITE Call-IDs per dialed number. */
  invitesByNumber: Map<string, Set<string>>;
  /** INVITEs in order of arrival (Call-ID, number, ms since epoch). */
  invites: Array<{ callId: string; user: string; at: number }>;
  /** Most calls between their INVITE and their end (BYE, CANCEL, or a final ≥ 300) at one time. */
  maxConcurrent: number;
}

export class SippCallee {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** `scenario`: a file under test/interop/sipp or an absolute path. */
  static async start(scenario: string, extraArgs: string[] = []): Promise<SippCallee> {
    const bin = requireSipp();
    const dir = await mkdtemp(join(tmpdir(), 'voxgate-callee-'));
    const port = await freePort();
    const callee = new SippCallee(port, dir);
    const args = [
      '-sf', scenario.startsWith('/') ? scenario : join(SCENARIOS, scenario),
      '-i', '127.0.0.1',
      '-p', String(port),
      '-mp', String(await freePort()),
      '-t', 'u1',
      '-nostdin',
      '-trace_msg',
      '-message_file', join(dir, 'messages.log'),
      '-trace_err',
      '-error_file', join(dir, 'errors.log'),
      '-max_recv_loops', '10000',
      '-timeout', '300s',
      ...extraArgs,
    ];
    const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (callee.output = (callee.output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (callee.output = (callee.output + d.toString()).slice(-4000)));
    callee.child = child;
    callee.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // SIPp binds within a few ms; wait until it answers an OPTIONS-free check: its log file appears.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return callee;
  }

  /** The message log as parsed entries (SIPp writes it as messages go). */
  async log(): Promise<SipLogEntry[]> {
    let text = '';
    try {
      text = await readFile(join(this.dir, 'messages.log'), 'latin1');
    } catch {
      return [];
    }
    const entries: SipLogEntry[] = [];
    for (const block of text.split(/^-{20,}\s*/m)) {
      const m = /^(\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d(?:\.\d+)?)[^\n]*\n\s*(?:UDP|TCP) message (received|sent)[^\n]*\n+([\s\S]*)$/.exec(block);
      if (!m) continue;
      const [, date, time, direction, message] = m;
      const lines = message.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
      const firstLine = lines[0]?.trim() ?? '';
      const callId = lines.find((l) => /^(call-id|i)\s*:/i.test(l))?.replace(/^[^:]+:\s*/, '').trim() ?? '';
      const user = /^INVITE sips?:([^@;>\s]+)@/.exec(firstLine)?.[1] ?? null;
      entries.push({ at: new Date(`${date}T${time}`).getTime(), direction: direction as 'received' | 'sent', firstLine, callId, user });
    }
    return entries;
  }

  async stats(): Promise<CalleeStats> {
    const entries = await this.log();
    const invitesByNumber = new Map<string, Set<string>>();
    const invites: CalleeStats['invites'] = [];
    const open = new Map<string, number>();
    let live = 0;
    let maxConcurrent = 0;
    for (const e of entries) {
      if (e.direction === 'received' && e.user) {
        const seen = invitesByNumber.get(e.user) ?? new Set<string>();
        if (!seen.has(e.callId)) invites.push({ callId: e.callId, user: e.user, at: e.at });
        seen.add(e.callId);
        invitesByNumber.set(e.user, seen);
        if (!open.has(e.callId)) {
          open.set(e.callId, e.at);
          live++;
          maxConcurrent = Math.max(maxConcurrent, live);
        }
        continue;
      }
      const ends =
        /^(BYE|CANCEL) /.test(e.firstLine) || (e.direction === 'sent' && /^SIP\/2\.0 [3-6]\d\d /.test(e.firstLine));
      if (ends && open.has(e.callId)) {
        open.delete(e.callId);
        live--;
      }
    }
    return { invitesByNumber, invites, maxConcurrent };
  }

  /** Calls the dialer placed so far (distinct INVITE Call-IDs). */
  async inviteCount(): Promise<number> {
    return (await this.stats()).invites.length;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A callee that answers with SDP towards `rtp` (the test's RTP endpoint port) or, without it,
 * SIPp's own media port with `-rtp_echo`; hangs up after `holdMs` with a BYE.
 */
export async function answerScenario(holdMs: number, rtpPort?: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voxgate-answer-'));
  const file = join(dir, 'uas-campaign-answer.xml');
  const template = await readFile(join(SCENARIOS, 'uas-campaign-answer.xml'), 'utf8');
  await writeFile(file, template.replaceAll('HOLD_MS', String(holdMs)).replaceAll('MEDIA_PORT', rtpPort ? String(rtpPort) : '[media_port]'));
  return file;
}
