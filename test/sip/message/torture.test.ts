/**
 * RFC 4475 torture messages (fixtures in test/sip/torture/*.dat, rebuilt byte for byte from the
 * RFC text: CRLF line ends, the <hex> escapes, <allOneLine> joins and <repeat> expansions).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  SipStreamFramer,
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
  getRoutes,
  getTo,
  getTopVia,
  getVias,
  parseMessage,
  type NameAddr,
  type ParseFailure,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../sip/message/index.js';

const dir = fileURLToPath(new URL('../torture/', import.meta.url));
const load = (name: string): Buffer => readFileSync(`${dir}${name}.dat`);

function ok(name: string): SipMessage {
  const r = parseMessage(load(name));
  if (!r.ok) throw new Error(`${name}: ${r.code} ${r.reason}`);
  return r.message;
}
const req = (name: string): SipRequest => ok(name) as SipRequest;
const res = (name: string): SipResponse => ok(name) as SipResponse;
function bad(name: string): ParseFailure {
  const r = parseMessage(load(name));
  if (r.ok) throw new Error(`${name} parsed but is invalid`);
  return r;
}
const contact = (m: SipMessage, i = 0): NameAddr => getContacts(m)![i] as NameAddr;

describe('RFC 4475 §3.1.1 valid messages', () => {
  it('wsinv: folding, escaped quotes, LWS everywhere, compact and long forms', () => {
    const m = req('wsinv');
    expect(m.method).toBe('INVITE');
    expect(m.uri).toMatchObject({ user: 'vivekg', host: 'chair-dnrc.example.com', params: { unknownparam: null } });
    expect(getTo(m)).toMatchObject({ uri: { user: 'vivekg' }, params: { tag: '1918181833n' } });
    const from = getFrom(m)!;
    expect(from.displayName).toBe('J Rosenberg \\"');
    expect(from.params.tag).toBe('98asjd8');
    expect(getMaxForwards(m)).toBe(68);
    expect(getCSeq(m)).toEqual({ seq: 9, method: 'INVITE' });
    expect(getCallId(m)).toBe('wsinv.ndaksdj@192.0.2.1');
    const vias = getVias(m)!;
    expect(vias.map((v) => [v.transport, v.host, v.params.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.headers.get('subject')).toBe('');
    expect(m.headers.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    // Unknown headers are never split or interpreted: the value survives as-is.
    expect(m.headers.getAll('UnknownHeaderWithUnusualValue')).toEqual([';;,,;;,;']);
    expect(getRoutes(m)![0].uri.params).toEqual({ lr: null, unknownwith: 'value', 'unknown-no-value': null });
    const c = contact(m);
    expect(c.displayName).toBe('Quoted string ""');
    expect(c.params).toEqual({ newparam: 'newvalue', secondparam: null, q: '0.33' });
    expect(m.body.length).toBe(150);
  });

  it('intmeth: unusual method, URI, token display name, NUL in a quoted string, UTF-8 values', () => {
    const m = req('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(m.uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(getTopVia(m)!.params.branch).toBe("z9hG4bK-.!%66*_+`'~");
    expect(getTo(m)!.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = getFrom(m)!;
    expect(from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(from.params["fromparam''~+*_!.-%"]).toBe('"работающий"');
    expect(from.params.tag).toBe("_token~1'+`*%!-.");
    expect(getCallId(m)).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(getCSeq(m)).toEqual({ seq: 139122385, method: m.method });
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電');
  });

  it('esc01: % HEX HEX is unescaped in URI user parts and parameters, not recursively', () => {
    const m = req('esc01');
    expect(m.uri.user).toBe('sips:user@example.com');
    expect(getTo(m)!.uri.user).toBe('user');
    expect(getFrom(m)!.uri.user).toBe('I have spaces');
    const c = contact(m);
    expect(c.uri.user).toBe('caller');
    expect(c.uri.params).toEqual({ lr: null, name: 'value%41' });
    expect(getCallId(m)).toBe('esc01.239409asdfakjkn23onasd0-3234');
    expect(m.headers.get('content-type')).toBe('application/sdp');
  });

  it('escnull: escaped NULs do not shorten the user part', () => {
    const m = req('escnull');
    expect(getTo(m)!.uri.user).toBe('null-\x00-null');
    const users = getContacts(m)!.map((c) => (c as NameAddr).uri.user);
    expect(users).toEqual(['\x00', '\x00\x00']);
  });

  it('esc02: % is not an escape outside URIs', () => {
    const m = req('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(getTo(m)!.displayName).toBe('%Z%45');
    expect(getTopVia(m)!.params.branch).toBe('z9hG4bK209%fzsnel234');
    expect(getContacts(m)!.length).toBe(2);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('lwsdisp: no LWS between display name and <', () => {
    const from = getFrom(req('lwsdisp'))!;
    expect(from).toMatchObject({ displayName: 'caller', uri: { user: 'caller' }, params: { tag: '323' } });
  });

  it('longreq: long values and 34 Via values under every spelling of Via', () => {
    const m = req('longreq');
    const to = getTo(m)!;
    expect(to.displayName).toBe(`I have a user name of ${'extreme'.repeat(10)} proportion`);
    expect(to.uri.port).toBe(6000);
    expect(to.uri.params[`very${'long'.repeat(25)}parameternamewithnovalue`]).toBe(null);
    const from = getFrom(m)!;
    expect(from.params.tag).toBe(`12${'982'.repeat(50)}424`);
    expect(from.uri.user).toBe('amazinglylongcallername'.repeat(5));
    expect(getCallId(m)).toBe(`longreq.one${'really'.repeat(20)}longcallid`);
    const vias = getVias(m)!;
    expect(vias.length).toBe(34);
    expect(vias[0].host).toBe('sip33.example.com');
    expect(vias[33].params).toEqual({ received: '192.0.2.5', branch: `very${'long'.repeat(50)}branchvalue` });
  });

  it('dblreq: only the first request of the datagram is used', () => {
    const m = req('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    expect(getCallId(m)).toBe('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  });

  it('semiuri: the user part is "user;par=u@example.net"', () => {
    const m = req('semiuri');
    expect(m.uri.user).toBe('user;par=u@example.net');
    expect(m.uri.host).toBe('example.com');
    expect(m.headers.getAll('accept')).toEqual([
      'application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag',
    ]);
  });

  it('transports: every transport token, unknown ones included', () => {
    expect(getVias(req('transports'))!.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('mpart01: binary multipart body with NULs is framed by Content-Length', () => {
    const m = req('mpart01');
    expect(m.body.length).toBe(553);
    expect(m.body.includes(0)).toBe(true);
    expect(m.body.subarray(-24).toString('latin1')).toBe('\r\n--7a9cbec02ceef655--\r\n');
    expect(getTopVia(m)).toMatchObject({ host: '127.0.0.1', port: 5070, params: { rport: null } });
  });

  it('unreason: UTF-8 reason phrase', () => {
    const m = res('unreason');
    expect(m.status).toBe(200);
    expect(m.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
  });

  it('noreason: empty reason phrase', () => {
    const m = res('noreason');
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
  });
});

describe('RFC 4475 §3.1.2 invalid messages', () => {
  const cases: Array<[string, string, number | undefined]> = [
    ['badinv01', 'bad-via', 400], // extraneous ;;,;,, in Via
    ['clerr', 'body-truncated', 400], // Content-Length larger than the datagram
    ['ncl', 'bad-content-length', 400], // negative Content-Length
    ['scalar02', 'bad-cseq', 400], // CSeq > 2**31 (Max-Forwards 300 alone would be ignored)
    ['scalarlg', 'bad-cseq', undefined], // response: "will simply discard it"
    ['quotbal', 'bad-to', 400], // unterminated quote
    ['ltgtruri', 'bad-request-uri', 400], // <> around the Request-URI
    ['lwsruri', 'bad-start-line', 400], // LWS inside the Request-URI
    // "It is acceptable to reject this request as malformed" (lwsstart, trws, escruri): we do.
    ['lwsstart', 'bad-start-line', 400],
    ['trws', 'bad-start-line', 400],
    ['escruri', 'bad-request-uri', 400],
    ['regbadct', 'bad-contact', 400], // escaped header in a bare addr-spec Contact
    ['badaspec', 'bad-to', 400], // spaces inside <>
    ['baddn', 'bad-from', 400], // unquoted display name with a comma
    ['badvers', 'bad-version', 505], // SIP/7.0
    ['mismatch01', 'cseq-method-mismatch', 400],
    // mismatch02: "should respond with a 501 ... A 400 Bad Request is also acceptable". The parser
    // does not know which methods the element implements, so it reports 400.
    ['mismatch02', 'cseq-method-mismatch', 400],
    ['bigcode', 'bad-status-code', undefined], // "should simply drop it"
  ];
  it.each(cases)('%s is rejected (%s)', (name, code, status) => {
    const f = bad(name);
    expect(f.code).toBe(code);
    expect(f.reason.length).toBeGreaterThan(0);
    expect(f.status).toBe(status);
  });

  it('baddate is accepted with a warning: "An element wishing to be liberal ... could ignore this value"', () => {
    const r = parseMessage(load('baddate'));
    expect(r.ok && r.warnings).toContain('Date is not in GMT');
  });

  it('a rejected request keeps what is needed to answer it', () => {
    const f = bad('mismatch01');
    expect(f.partial?.kind).toBe('request');
    expect(f.partial?.method).toBe('OPTIONS');
    expect(f.partial?.headers.get('call-id')).toBe('mismatch01.dj0234sxdfl3');
    expect(f.partial?.headers.getAll('via').length).toBe(1);
  });

  it('clerr over a stream transport: the framer waits for the rest and holds it bounded', () => {
    const framer = new SipStreamFramer();
    expect(framer.push(load('clerr'))).toEqual([]);
    expect(framer.pendingBytes).toBe(load('clerr').length);
  });

  it('ncl over a stream transport: framing error, connection must close', () => {
    const events = new SipStreamFramer().push(load('ncl'));
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'bad-content-length' })]);
  });
});

describe('RFC 4475 §3.2–3.4 transaction and application layer messages', () => {
  it('badbranch: parses, the empty transaction id is reported', () => {
    const r = parseMessage(load('badbranch'));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings).toContain('branch has the RFC 3261 cookie but no identifier');
  });

  it('insuf: missing To, From, Call-ID is a 400 naming them', () => {
    const f = bad('insuf');
    expect(f.code).toBe('missing-header');
    expect(f.reason).toBe('missing From, To, Call-ID');
    expect(f.partial?.headers.get('cseq')).toBe('193942 INVITE');
  });

  it('unkscm and novelsc: unknown Request-URI scheme is a 416', () => {
    expect(bad('unkscm')).toMatchObject({ code: 'unsupported-uri-scheme', status: 416 });
    expect(bad('novelsc')).toMatchObject({ code: 'unsupported-uri-scheme', status: 416 });
  });

  it('unksm2: unknown schemes in To/From/Contact do not break the parser', () => {
    const m = req('unksm2');
    expect(m.headers.get('to')).toBe('isbn:2983792873');
    expect(getTo(m)).toBeUndefined(); // not a SIP URI: the application decides
  });

  it('bext01, invut, regaut01, sdp01, zeromf, bcast, regescrt parse (semantics are above the parser)', () => {
    expect(req('bext01').headers.getAll('require')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    expect(req('invut').body.toString()).toBe('<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
    expect(req('regaut01').headers.get('authorization')).toBe('NoOneKnowsThisScheme opaque-data=here');
    expect(req('sdp01').headers.get('accept')).toBe('text/nobodyKnowsThis');
    expect(getMaxForwards(req('zeromf'))).toBe(0);
    expect(getVias(res('bcast'))![1].host).toBe('255.255.255.255');
    expect(contact(req('regescrt')).uri.headers).toEqual({ Route: '<sip:sip.example.com>' });
  });

  it('multi01 and mcl01: several values in single-value headers are rejected', () => {
    expect(bad('multi01').code).toBe('multiple-values');
    expect(bad('mcl01').code).toBe('multiple-values');
  });

  it('cparam01 vs cparam02: params outside <> belong to the header, inside to the URI', () => {
    const c1 = contact(req('cparam01'));
    expect(c1.params).toEqual({ unknownparam: null });
    expect(c1.uri.params).toEqual({});
    const c2 = contact(req('cparam02'));
    expect(c2.params).toEqual({});
    expect(c2.uri.params).toEqual({ unknownparam: null });
  });

  it('inv2543: RFC 2543 request without Max-Forwards, branch or Content-Length is accepted', () => {
    const m = req('inv2543');
    expect(getMaxForwards(m)).toBeUndefined();
    expect(getTopVia(m)!.params.branch).toBeUndefined();
    expect(m.body.toString()).toMatch(/^v=0\r\n[\s\S]*m=audio 49217 RTP\/AVP 0\r\n$/);
    expect(getTo(m)!.params).toEqual({ user: 'phone' });
  });
});
