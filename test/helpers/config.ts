/** A Config for tests: local PostgreSQL/Redis, silent logs, fixed secrets, ports 0. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config, type Env } from '../../src/config.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789abcdef';

export function testDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'voxgate-test-'));
}

export function testConfig(env: Env = {}): Config {
  return loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SIP_PORT: '0',
      SIP_HOST: '127.0.0.1',
      SIP_PUBLIC_IP: '127.0.0.1',
      LOG_LEVEL: process.env.VOXGATE_TEST_LOG ?? 'silent',
      SECRET_KEY: TEST_SECRET_KEY,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      MEDIA_WORKERS: '1',
      // A busy CI machine must not shed the tests' calls (the UA's overload test covers it).
      SIP_OVERLOAD: 'false',
      VOXGATE_DATA_DIR: testDataDir(),
      ...env,
    },
    { cores: 1, publicIpv4: '127.0.0.1' },
  );
}
