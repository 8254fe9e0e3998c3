/**
 * `npm start` and signals (issue #8, defect 7): SIGTERM to npm reaches the engine (npm's script
 * execs it), npm waits for it, and nothing is left running or holding the ports.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../events/fixtures.js';
import { freePort } from '../helpers/ports.js';
import { createTestDatabase, TEST_SECRET_KEY, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

describe('npm start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('SIGTERM to npm stops the engine too: no process left, the ports free', async () => {
    const sipPort = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      VOXGATE_REDIS_PREFIX: testRedisPrefix(),
      VOXGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'voxgate-npm-')),
      SECRET_KEY: TEST_SECRET_KEY,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      SIP_PORT: String(sipPort),
      SIP_HOST: '127.0.0.1',
      SIP_PUBLIC_IP: '127.0.0.1',
      MEDIA_WORKERS: '1',
      LOG_LEVEL: 'info',
    };
    const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const npmExited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      await eventually(() => output.includes('"msg":"node started"'), 120_000, 'the engine to start');
      const line = output.split('\n').find((l) => l.includes('"msg":"node started"'))!;
      const enginePid = (JSON.parse(line) as { pid: number }).pid;
      expect(enginePid).not.toBe(npm.pid);

      npm.kill('SIGTERM');
      expect(await npmExited).toBe(0);
      expect(output).toContain('"msg":"node stopped"');
      expect(alive(enginePid)).toBe(false);
      await eventually(() => udpPortFree(sipPort), 5_000, 'the SIP port to be free');
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  }, 180_000);
});
