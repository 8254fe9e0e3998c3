import { describe, expect, it } from 'vitest';
import {
  escapeUser,
  generateBranch,
  generateCallId,
  generateTag,
  isRfc3261Branch,
  parseCSeq,
  parseNameAddr,
  parseParams,
  parseUri,
  parseVia,
  serializeNameAddr,
  serializeUri,
  serializeVia,
  unescapeUser,
} from '../../../sip/message/index.js';

describe('parseUri / serializeUri', () => {
  it('parses user, password, host, port, params and headers', () => {
    expect(parseUri('sips:alice:secret@Example.com:5061;transport=TLS;lr?Subject=hi%20there&X=1')).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Example.com',
      port: 5061,
      params: { transport: 'TLS', lr: null },
      headers: { Subject: 'hi there', X: '1' },
    });
  });

  it('handles IPv6 references and tel: URIs', () => {
    expect(parseUri('sip:[2001:db8::1]:5060')).toMatchObject({ host: '2001:db8::1', port: 5060 });
    expect(serializeUri(parseUri('sip:bob@[2001:db8::1]')!)).toBe('sip:bob@[2001:db8::1]');
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toMatchObject({
      scheme: 'tel',
      user: '+1-201-555-0123',
      params: { 'phone-context': 'example.com' },
    });
  });

  it.each(['sip:', 'sip:a@', 'sip:a@b:99999', 'sip:a b@c', 'sip:a@b@c', 'http://x', 'sip:%zz@h', 'sip:h;;x', '<sip:a@b>', 'sip:a@b:'])(
    'rejects %j',
    (s) => expect(parseUri(s)).toBeUndefined(),
  );

  it('escapes only what RFC 3261 §19.1.2 requires and round-trips', () => {
    expect(escapeUser('I have spaces')).toBe('I%20have%20spaces');
    expect(escapeUser('user;par=u@example.net')).toBe('user;par=u%40example.net');
    expect(escapeUser('+1-555_(x)')).toBe('+1-555_(x)');
    expect(unescapeUser('%75se%72')).toBe('user');
    expect(unescapeUser('a%2')).toBeUndefined();
    const uri = parseUri('sip:sips%3Auser%40example.com@example.net;n%61me=v%61lue%2541')!;
    expect(serializeUri(uri)).toBe('sip:sips%3Auser%40example.com@example.net;name=value%2541');
    expect(parseUri(serializeUri(uri))).toEqual(uri);
  });
});

describe('parseNameAddr', () => {
  it('reads quoted and token display names, escapes and header params', () => {
    expect(parseNameAddr('"Bob \\"B\\" Smith" <sip:bob@h>;tag=a1;expires=60')).toEqual({
      displayName: 'Bob "B" Smith',
      uri: { scheme: 'sip', user: 'bob', host: 'h', params: {}, headers: {} },
      params: { tag: 'a1', expires: '60' },
    });
    expect(parseNameAddr('Bob Smith <sip:bob@h>')?.displayName).toBe('Bob Smith');
  });

  it('gives params of a bare addr-spec to the header (RFC 3261 §20.10)', () => {
    const na = parseNameAddr('sip:bob@h;tag=z')!;
    expect(na.uri.params).toEqual({});
    expect(na.params).toEqual({ tag: 'z' });
  });

  it.each(['"unterminated <sip:a@b>', 'a, b <sip:a@b>', '< sip:a@b>', 'sip:a@b?x=y', '<sip:a@b', '<http://x>', '', 'sip:a@b;;x'])(
    'rejects %j',
    (s) => expect(parseNameAddr(s)).toBeUndefined(),
  );

  it('serializes with brackets and quotes when needed', () => {
    const na = parseNameAddr('"Doe, J" <sip:j@h;lr>;tag=1')!;
    expect(serializeNameAddr(na)).toBe('"Doe, J" <sip:j@h;lr>;tag=1');
    expect(serializeNameAddr(parseNameAddr('sip:j@h;tag=1')!)).toBe('<sip:j@h>;tag=1');
  });
});

describe('parseVia / parseCSeq / parseParams', () => {
  it('parses sent-protocol with LWS, IPv6 sent-by and params', () => {
    expect(parseVia('SIP / 2.0 / tcp [2001:db8::9]:5070 ; branch=z9hG4bKx ; received=[2001:db8::1];rport=5070')).toEqual({
      protocol: 'SIP/2.0',
      transport: 'TCP',
      host: '2001:db8::9',
      port: 5070,
      params: { branch: 'z9hG4bKx', received: '[2001:db8::1]', rport: '5070' },
    });
    const via = parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport')!;
    expect(serializeVia(via)).toBe('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport');
  });

  it.each(['SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDPhost', 'SIP/2.0/UDP h:70000', 'SIP/2.0/UDP h;', 'SIP/2.0/UDP h junk'])(
    'rejects Via %j',
    (s) => expect(parseVia(s)).toBeUndefined(),
  );

  it('bounds CSeq at 2**31-1', () => {
    expect(parseCSeq('2147483647 ACK')).toEqual({ seq: 2147483647, method: 'ACK' });
    expect(parseCSeq('2147483648 ACK')).toBeUndefined();
    expect(parseCSeq('12INVITE')).toBeUndefined();
    expect(parseCSeq('1 IN VITE')).toBeUndefined();
  });

  it('parses generic params with quoted values', () => {
    expect(parseParams(';a=1;B="x;y" ;c')).toEqual({ a: '1', b: '"x;y"', c: null });
    expect(parseParams(';=1')).toBeUndefined();
  });
});

describe('identifiers', () => {
  it('generates unique RFC 3261 branches, tags and Call-IDs', () => {
    const branches = new Set(Array.from({ length: 1000 }, generateBranch));
    expect(branches.size).toBe(1000);
    for (const b of branches) expect(isRfc3261Branch(b) && /^[A-Za-z0-9_-]+$/.test(b)).toBe(true);
    expect(generateTag()).toMatch(/^[0-9a-f]{16}$/);
    expect(generateCallId('example.com')).toMatch(/^[0-9a-f]{32}@example\.com$/);
    expect(isRfc3261Branch('z9hG4bK')).toBe(false);
  });
});
