import { describe, expect, it } from 'vitest';
import { paramFromPointer } from '../../src/api/error-handler.js';
import { API_KEY_PREFIX, generateApiKey, hashApiKey, safeEqual, SecretBox } from '../../src/crypto.js';
import { createLogger, describeUrl } from '../../src/log.js';
import { normalizeE164 } from '../../src/phone.js';

describe('normalizeE164', () => {
  it.each([
    ['+31 85 083 5037', '+31850835037'],
    ['0031850835037', '+31850835037'],
    ['+31 (0)85-083 5037', '+31850835037'],
    ['tel:+1 (415) 555-0100', '+14155550100'],
    ['+44.20.7946.0958', '+442079460958'],
  ])('reads %s as %s', (input, expected) => {
    expect(normalizeE164(input)).toBe(expected);
  });

  it.each(['085 083 5037', '+0123456789', '+31', '+1234567890123456', 'call me', '', '+31 85 083 5037 ext 2'])(
    'refuses %s',
    (input) => {
      expect(normalizeE164(input)).toBeNull();
    },
  );

  it('reads bare international digits only when asked (SIP Request-URIs)', () => {
    expect(normalizeE164('31850835037')).toBeNull();
    expect(normalizeE164('31850835037', { bareDigitsAreInternational: true })).toBe('+31850835037');
  });
});

describe('SecretBox', () => {
  it('round-trips and never produces the same ciphertext twice', () => {
    const box = new SecretBox('a'.repeat(64));
    const a = box.encrypt('sk-provider-key');
    const b = box.encrypt('sk-provider-key');
    expect(a).not.toBe(b);
    expect(a).not.toContain('sk-provider-key');
    expect(box.decrypt(a)).toBe('sk-provider-key');
  });

  it('refuses a value sealed with another key or tampered with', () => {
    const sealed = new SecretBox('a'.repeat(64)).encrypt('password');
    expect(() => new SecretBox('b'.repeat(64)).decrypt(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => new SecretBox('a'.repeat(64)).decrypt(parts.join('.'))).toThrow();
  });
});

describe('API keys', () => {
  it('are random, prefixed, and stored only as a SHA-256 hash with a short visible prefix', () => {
    const k = generateApiKey();
    expect(k.key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(k.key.length).toBeGreaterThan(40);
    expect(k.hash).toBe(hashApiKey(k.key));
    expect(k.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(k.key.startsWith(k.prefix)).toBe(true);
    expect(k.prefix.length).toBeLessThan(16);
    expect(generateApiKey().key).not.toBe(k.key);
  });

  it('safeEqual compares strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('small helpers', () => {
  it('names nested fields like a client writes them', () => {
    expect(paramFromPointer('/llm_config/tools/0/name')).toBe('llm_config.tools[0].name');
    expect(paramFromPointer('', 'name')).toBe('name');
  });

  it('hides passwords of connection URLs', () => {
    expect(describeUrl('postgres://u:secret@db:5432/vg')).toBe('postgres://u:***@db:5432/vg');
  });
});

describe('logger', () => {
  it('redacts keys, passwords and webhook secrets wherever they sit', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { write: (line: string) => void lines.push(line) });
    log.info(
      {
        req: { headers: { authorization: 'Bearer vg_live_SECRET1' } },
        body: { api_key: 'SECRET2', password: 'SECRET3', webhook_secret: 'SECRET4' },
        trunk: { settings: { password: 'SECRET5' } },
        api_key: 'SECRET6',
      },
      'request body',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SECRET\d/);
    expect(lines[0]).toContain('[redacted]');
  });
});
