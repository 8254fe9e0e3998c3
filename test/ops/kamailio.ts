/**
 * Debian's Kamailio in a child process, running the shipped docker/kamailio/kamailio.cfg with its
 * defines set for a test: a loopback listener, a generated dispatcher.list naming the engines, and
 * fast OPTIONS probing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docker', 'kamailio', 'kamailio.cfg');

export function kamailioBinary(): string {
  for (const candidate of ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('which', ['kamailio'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('kamailio is not installed (Debian package "kamailio"; .ci/run installs it)');
}

export interface KamailioOptions {
  host: string;
  port: number;
  /** `host:port` of each node (UDP). */
  nodes: string[];
  pingIntervalSeconds?: number;
  failoverMs?: number;
}

export class Kamailio {
  readonly output: string[] = [];
  private constructor(
    private readonly child: ChildProcess,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: KamailioOptions): Promise<Kamailio> {
    const dir = mkdtempSync(join(tmpdir(), 'voxgate-kamailio-'));
    const list = join(dir, 'dispatcher.list');
    writeFileSync(list, options.nodes.map((n) => `1 sip:${n};transport=udp 0 0\n`).join(''));
    const child = spawn(
      kamailioBinary(),
      [
        '-f', CONFIG,
        '-DD', '-E', // foreground, log to stderr
        '-m', '32', '-M', '4',
        '-Y', dir, // runtime directory (the control socket, the pid) out of /run
        '-w', dir,
        '-A', `DISPATCHER_LIST="${list}"`,
        '-A', `LISTEN=udp:${options.host}:${options.port}`,
        '-A', `PING_INTERVAL=${options.pingIntervalSeconds ?? 1}`,
        '-A', `FR_TIMER=${options.failoverMs ?? 1000}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const kamailio = new Kamailio(child, options.host, options.port);
    const collect = (chunk: Buffer) => kamailio.output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`kamailio exited (${code}):\n${kamailio.output.slice(-20).join('\n')}`))),
    );
    await Promise.race([kamailio.ready(), exited]);
    return kamailio;
  }

  /** Kamailio answers an OPTIONS to itself once its workers run. */
  private async ready(): Promise<void> {
    const { UserAgent } = await import('../../sip/index.js');
    const ua = new UserAgent({ transports: [{ protocol: 'udp', host: this.host, port: 0 }], publicAddress: this.host });
    await ua.listen();
    try {
      for (let attempt = 0; attempt < 50; attempt++) {
        // A request to a port nobody listens on would wait out Timer F (32 s): ask again instead.
        const asked = ua.request(`sip:${this.host}:${this.port}`, { method: 'OPTIONS' }).catch(() => null);
        const res = await Promise.race([asked, new Promise<null>((r) => setTimeout(() => r(null), 300))]);
        if (res?.status === 200) return;
      }
      throw new Error(`kamailio did not answer OPTIONS:\n${this.output.slice(-20).join('\n')}`);
    } finally {
      await ua.close();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await gone;
  }
}
