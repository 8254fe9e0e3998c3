/**
 * Issue #8, item 5: the SSRF guard let `[::127.0.0.1]` and `[::ffff:0:127.0.0.1]` through. Every
 * IPv6 form that carries an IPv4 address is judged by that address; numeric IPv4 spellings, the
 * unspecified addresses and zone ids are refused.
 */
import { describe, expect, it } from 'vitest';
import { embeddedIpv4, isPrivateAddress, parseWebhookTarget } from '../../src/events/target-guard.js';

describe('isPrivateAddress', () => {
  it.each([
    // IPv4
    ['127.0.0.1', true],
    ['0.0.0.0', true],
    ['10.0.0.1', true],
    ['169.254.169.254', true],
    ['192.168.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    // IPv4-mapped ::ffff:a.b.c.d, in both spellings
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['0:0:0:0:0:ffff:a9fe:a9fe', true],
    ['::ffff:8.8.8.8', false],
    // IPv4-compatible ::a.b.c.d (deprecated, still parsed by resolvers and stacks)
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::10.1.2.3', true],
    ['::8.8.8.8', false],
    // SIIT ::ffff:0:a.b.c.d (RFC 6145)
    ['::ffff:0:127.0.0.1', true],
    ['::ffff:0:7f00:1', true],
    ['::ffff:0:8.8.8.8', false],
    // NAT64 well-known prefix 64:ff9b::/96 and local-use 64:ff9b:1::/48
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b::8.8.8.8', false],
    ['64:ff9b:1::808:808', true],
    // 6to4 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD
    ['2002:7f00:1::', true],
    ['2002:c0a8:101::1', true],
    ['2002:808:808::1', false],
    // Teredo 2001::/32 hides the client address in the bits: refused as a whole
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    // IPv6 special ranges
    ['::', true],
    ['::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['fd12:3456::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['2001:db8::1', true],
    ['2606:4700:4700::1111', false],
    ['2a00:1450:4001:82b::200e', false],
    // not canonical addresses at all: refused rather than guessed
    ['2130706433', true],
    ['0x7f.1', true],
    ['0177.0.0.1', true],
    ['localhost', true],
  ])('%s → private %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('reads the IPv4 address out of each embedding', () => {
    expect(embeddedIpv4('::ffff:0:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::c000:201')).toBe('192.0.2.1');
    expect(embeddedIpv4('2002:cb00:7101::5')).toBe('203.0.113.1');
    expect(embeddedIpv4('2606:4700:4700::1111')).toBeNull();
  });
});

describe('parseWebhookTarget', () => {
  it.each([
    'http://[::127.0.0.1]/hook',
    'http://[::ffff:0:127.0.0.1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[0:0:0:0:0:ffff:7f00:1]/hook',
    'http://[64:ff9b::7f00:1]/hook',
    'http://[2002:7f00:1::1]/hook',
    'http://[::]/hook',
    'http://0.0.0.0/hook',
    'http://0/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://0177.0.0.1/hook',
    'http://127.1/hook',
    'http://%31%32%37.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'http://localhost./hook',
    'http://LOCALHOST/hook',
    'http://api.localhost/hook',
  ])('refuses %s', (url) => {
    expect(() => parseWebhookTarget(url, false)).toThrow(expect.objectContaining({ problem: 'private-address' }));
  });

  it('refuses a zone id, which is not even a valid URL host', () => {
    expect(() => parseWebhookTarget('http://[fe80::1%25eth0]/hook', false)).toThrow(expect.objectContaining({ problem: 'invalid-url' }));
  });

  it.each(['https://hooks.example.com/x', 'http://8.8.8.8/x', 'http://134744072/x', 'http://[2606:4700:4700::1111]/x', 'http://[::ffff:8.8.8.8]/x'])(
    'accepts public %s',
    (url) => {
      expect(parseWebhookTarget(url, false)).toBeInstanceOf(URL);
    },
  );

  it('accepts private targets when WEBHOOK_ALLOW_PRIVATE is on', () => {
    expect(parseWebhookTarget('http://[::127.0.0.1]:9/x', true).port).toBe('9');
  });
});
