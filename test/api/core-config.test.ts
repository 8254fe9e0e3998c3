import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveSecretKey, type Env } from '../../src/config.js';

const HOST = { cores: 4, publicIpv4: '192.0.2.10' };

function problemsOf(env: Env): readonly string[] {
  try {
    loadConfig(env, HOST);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('takes the SIP overload limits, or turns overload control off', () => {
    expect(loadConfig({ SIP_OVERLOAD_MAX_UTILIZATION: '75', SIP_OVERLOAD_MAX_DELAY_MS: '50' }, HOST).sip.overload).toEqual({ maxUtilization: 0.75, maxLoopDelayMs: 50 });
    expect(loadConfig({ SIP_OVERLOAD: 'off' }, HOST).sip.overload).toBeNull();
    expect(problemsOf({ SIP_OVERLOAD_MAX_UTILIZATION: '0.9' })).toContain('SIP_OVERLOAD_MAX_UTILIZATION must be an integer between 10 and 100 (got "0.9")');
  });
  it('gives the DESIGN §7 defaults for an empty environment', () => {
    const c = loadConfig({}, HOST);
    expect(c.api).toEqual({ port: 3000, host: '0.0.0.0' });
    expect(c.sip).toEqual({ port: 5060, host: '0.0.0.0', transports: ['udp', 'tcp'], publicIp: '192.0.2.10', trunkAllow: ['127.0.0.1/32'], overload: { maxUtilization: 0.9, maxLoopDelayMs: 100 } });
    expect(c.rtp).toEqual({ portMin: 10000, portMax: 20000 });
    expect(c.mediaWorkers).toBe(4);
    expect(c.databaseUrl).toBeNull();
    expect(c.redisUrl).toBeNull();
    expect(c.redisPrefix).toBe('voxgate:');
    expect(c.dataDir).toBe(join(process.cwd(), '.voxgate'));
    expect(c.secretKey).toBeNull();
    expect(c.adminApiKey).toBeNull();
    expect(c.providers.openai).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: null });
    expect(c.webhookAllowPrivate).toBe(false);
    expect(c.logLevel).toBe('info');
    expect(c.roles).toEqual(['api', 'sip', 'worker']);
    expect(c.rateLimit).toEqual({ perMinute: 100, callControlPerMinute: 10 });
  });

  it('reads every name and returns a frozen object', () => {
    const c = loadConfig(
      {
        PORT: '8080',
        SIP_TRANSPORTS: 'udp',
        SIP_TRUNK_ALLOW: '10.0.0.0/8, 2001:db8::/32',
        RTP_PORT_MIN: '30000',
        RTP_PORT_MAX: '30100',
        DATABASE_URL: 'postgres://u:p@db:5432/vg',
        REDIS_URL: 'redis://cache:6379',
        XAI_API_KEY: 'xai-key',
        DEEPGRAM_BASE_URL: 'http://127.0.0.1:9999',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        VOXGATE_ROLES: 'api,worker',
        RATE_LIMIT_PER_MINUTE: '3',
        LOG_LEVEL: 'DEBUG',
      },
      HOST,
    );
    expect(c.api.port).toBe(8080);
    expect(c.sip.transports).toEqual(['udp']);
    expect(c.sip.trunkAllow).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(c.rtp).toEqual({ portMin: 30000, portMax: 30100 });
    expect(c.databaseUrl).toBe('postgres://u:p@db:5432/vg');
    expect(c.providers.xai.apiKey).toBe('xai-key');
    expect(c.providers.deepgram.baseUrl).toBe('http://127.0.0.1:9999');
    expect(c.webhookAllowPrivate).toBe(true);
    expect(c.roles).toEqual(['api', 'worker']);
    expect(c.rateLimit.perMinute).toBe(3);
    expect(c.logLevel).toBe('debug');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.sip.trunkAllow)).toBe(true);
  });

  it('says what to fix for each bad value, all at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      RTP_PORT_MIN: '10001',
      SIP_TRUNK_ALLOW: '10.0.0.0/33,not-an-ip',
      SIP_TRANSPORTS: 'udp,sctp',
      DATABASE_URL: 'mysql://x',
      WEBHOOK_ALLOW_PRIVATE: 'maybe',
      VOXGATE_ROLES: 'api,media',
      SECRET_KEY: 'short',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toContain('PORT must be an integer between 0 and 65535 (got "abc")');
    expect(problems).toContain('RTP_PORT_MIN must be an even number below RTP_PORT_MAX (got 10001 and 20000)');
    expect(problems.find((p) => p.startsWith('SIP_TRUNK_ALLOW'))).toContain('bad: 10.0.0.0/33, not-an-ip');
    expect(problems.find((p) => p.startsWith('SIP_TRANSPORTS'))).toContain('udp, tcp');
    expect(problems).toContain('DATABASE_URL must use postgres: or postgresql: (got "mysql:")');
    expect(problems).toContain('WEBHOOK_ALLOW_PRIVATE must be true or false (got "maybe")');
    expect(problems.find((p) => p.startsWith('VOXGATE_ROLES'))).toContain('api, sip, worker');
    expect(problems.find((p) => p.startsWith('SECRET_KEY'))).toContain('at least 32 characters');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL'))).toContain('got "loud"');
    expect(problems).toHaveLength(9);
  });

  it('refuses an RTP range whose minimum is not below the maximum', () => {
    expect(problemsOf({ RTP_PORT_MIN: '20000', RTP_PORT_MAX: '20000' })).toEqual([
      'RTP_PORT_MIN must be an even number below RTP_PORT_MAX (got 20000 and 20000)',
    ]);
  });

  it('never echoes a database URL (it may hold a password) in its message', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'postgres://user:s3cret@[bad' });
    expect(problem).toContain('DATABASE_URL');
    expect(problem).not.toContain('s3cret');
  });
});

describe('resolveSecretKey', () => {
  it('generates secret.key (0600) on first start and reuses it afterwards', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vg-secret-'));
    const first = await resolveSecretKey(loadConfig({ VOXGATE_DATA_DIR: dataDir }, HOST));
    const file = join(dataDir, 'secret.key');
    expect(first.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await resolveSecretKey(loadConfig({ VOXGATE_DATA_DIR: dataDir }, HOST));
    expect(second.secretKey).toBe(first.secretKey);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secretKey);
  });

  it('uses SECRET_KEY when set and writes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vg-secret-'));
    const key = 'k'.repeat(40);
    const c = await resolveSecretKey(loadConfig({ VOXGATE_DATA_DIR: dataDir, SECRET_KEY: key }, HOST));
    expect(c.secretKey).toBe(key);
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
  });
});
