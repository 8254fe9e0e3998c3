import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { SessionVersion, createAnswer, createOffer, isSessionChanged, parseAnswer, type LocalMedia } from '../../sip/sdp/index.js';

const sdp = (...lines: string[]): string => lines.join('\r\n') + '\r\n';
const head = ['v=0', 'o=carrier 2890844526 2890844526 IN IP4 203.0.113.1', 's=-', 'c=IN IP4 203.0.113.1', 't=0 0'];
const local: LocalMedia = { address: '198.51.100.7', port: 20000, codecs: ['PCMU', 'PCMA', 'opus'], sessionId: '42', version: 1 };

function answer(offer: string, over: Partial<LocalMedia> = {}) {
  const r = createAnswer(offer, { ...local, ...over });
  if (!r.ok) throw new Error(r.error.message);
  return { ...r, parsed: parse(r.sdp) };
}

describe('createAnswer', () => {
  it('keeps the offer codec order, the offered payload types and telephone-event', () => {
    const r = answer(sdp(...head, 'm=audio 49170 RTP/AVP 18 8 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'));
    expect(r.negotiated).toMatchObject({
      codec: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1, ptime: 20, telephoneEventPt: 101,
      remoteAddress: '203.0.113.1', remotePort: 49170, remoteRtcpPort: 49171, direction: 'sendrecv', hold: false,
    });
    const m = r.parsed.media[0];
    expect(m.payloads).toBe('8 101');
    expect(m.fmtp).toEqual([{ payload: 101, config: '0-15' }]);
    expect(r.parsed.origin).toMatchObject({ sessionId: 42, sessionVersion: 1, address: '198.51.100.7' });
    expect(r.parsed.connection?.ip).toBe('198.51.100.7');
    expect(r.sdp).toMatch(/\r\n$/);
  });

  it('can list every common codec in offer order', () => {
    const r = answer(sdp(...head, 'm=audio 49170 RTP/AVP 0 18 8'), { answerAllCodecs: true });
    expect(r.parsed.media[0].payloads).toBe('0 8');
  });

  it('takes dynamic payload types for opus and telephone-event from the offer', () => {
    const r = answer(
      sdp(...head, 'm=audio 5004 RTP/AVP 96 97 98', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:97 telephone-event/48000', 'a=rtpmap:98 telephone-event/8000'),
      { codecs: ['opus', 'PCMU'] },
    );
    expect(r.negotiated).toMatchObject({ codec: 'opus', payloadType: 96, clockRate: 48000, channels: 2, telephoneEventPt: 97 });
  });

  it('honours a=ptime and a=rtcp, and media-level c= over session-level', () => {
    const r = answer(sdp(...head, 'm=audio 40000 RTP/AVP 0', 'c=IN IP4 192.0.2.77', 'a=ptime:30', 'a=rtcp:40011'));
    expect(r.negotiated).toMatchObject({ ptime: 30, remoteAddress: '192.0.2.77', remoteRtcpPort: 40011 });
    expect(r.parsed.media[0].ptime).toBe(30);
  });

  it.each([
    ['sendonly', 'recvonly', true],
    ['recvonly', 'sendonly', false],
    ['inactive', 'inactive', true],
    ['sendrecv', 'sendrecv', false],
  ])('answers %s with %s (hold: %s)', (offered, answered, hold) => {
    const r = answer(sdp(...head, 'm=audio 40000 RTP/AVP 0', `a=${offered}`));
    expect(r.negotiated.direction).toBe(answered);
    expect(r.negotiated.hold).toBe(hold);
    expect(r.parsed.media[0].direction).toBe(answered);
  });

  it('detects RFC 2543 hold by c=0.0.0.0 and does not send to it', () => {
    const r = answer(sdp(...head.slice(0, 3), 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 40000 RTP/AVP 0'));
    expect(r.negotiated).toMatchObject({ hold: true, direction: 'recvonly' });
  });

  it('applies the session-level direction and our own limits', () => {
    const r = answer(sdp(...head, 'a=sendonly', 'm=audio 40000 RTP/AVP 0'), { direction: 'sendonly' });
    expect(r.negotiated.direction).toBe('inactive');
  });

  it('refuses extra m-lines with port 0 and keeps their count and order', () => {
    const r = answer(
      sdp(...head, 'm=video 51372 RTP/AVP 31', 'a=rtpmap:31 H261/90000', 'm=audio 49170 RTP/SAVP 0', 'm=audio 49172 RTP/AVP 0', 'm=audio 49174 RTP/AVP 8'),
    );
    expect(r.parsed.media.map((m) => [m.type, m.port, m.protocol])).toEqual([
      ['video', 0, 'RTP/AVP'],
      ['audio', 0, 'RTP/SAVP'],
      ['audio', 20000, 'RTP/AVP'],
      ['audio', 0, 'RTP/AVP'],
    ]);
    expect(r.negotiated.mediaIndex).toBe(2);
  });

  it('returns a typed 488 error when nothing matches', () => {
    const r = createAnswer(sdp(...head, 'm=audio 49170 RTP/AVP 18', 'm=video 5000 RTP/AVP 31'), local);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'no-common-codec', status: 488 }) });
    const onlyOpus = createAnswer(sdp(...head, 'm=audio 49170 RTP/AVP 0'), { ...local, codecs: ['opus'] });
    expect(onlyOpus.ok).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'hello world'],
    ['no m-line', sdp(...head)],
    ['bad port', sdp(...head, 'm=audio port RTP/AVP 0')],
    ['bad payload type', sdp(...head, 'm=audio 4000 RTP/AVP 0 abc')],
    ['no origin', sdp('v=0', 's=-', 'm=audio 4000 RTP/AVP 0')],
    ['binary', '\u0000\u0001\u00ff'],
  ])('returns a typed error for malformed SDP (%s)', (_name, text) => {
    const r = createAnswer(text, local);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('malformed');
  });

  it('refuses an audio line without any connection address', () => {
    const r = createAnswer(sdp('v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0'), local);
    expect(r.ok).toBe(false);
  });
});

describe('createOffer / parseAnswer', () => {
  it('offers our codecs with telephone-event and reads the answer', () => {
    const offer = createOffer({ ...local, ptime: 20 });
    const m = parse(offer).media[0];
    expect(m.payloads).toBe('0 8 111 101 110');
    expect(m.rtp.map((r) => `${r.codec}/${r.rate}`)).toEqual(['PCMU/8000', 'PCMA/8000', 'opus/48000', 'telephone-event/8000', 'telephone-event/48000']);
    const ans = sdp(...head, 'm=audio 30000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:20');
    expect(parseAnswer(offer, ans)).toMatchObject({
      ok: true,
      negotiated: { codec: 'PCMA', payloadType: 8, telephoneEventPt: 101, remotePort: 30000, direction: 'sendrecv', hold: false },
    });
  });

  it('round-trips with createAnswer, including hold by a sendonly re-offer', () => {
    const offer = createOffer({ ...local, codecs: ['PCMU'], direction: 'sendonly' });
    const a = createAnswer(offer, { ...local, address: '203.0.113.9', port: 30000, sessionId: '7' });
    if (!a.ok) throw new Error(a.error.message);
    expect(a.negotiated).toMatchObject({ direction: 'recvonly', hold: true });
    expect(parseAnswer(offer, a.sdp)).toMatchObject({ ok: true, negotiated: { direction: 'sendonly', hold: false, remoteAddress: '203.0.113.9' } });
  });

  it('rejects answers that do not match the offer', () => {
    const offer = createOffer({ ...local, codecs: ['PCMU'] });
    expect(parseAnswer(offer, sdp(...head, 'm=audio 1 RTP/AVP 0', 'm=video 0 RTP/AVP 31'))).toMatchObject({ ok: false, error: { code: 'answer-mismatch' } });
    expect(parseAnswer(offer, sdp(...head, 'm=audio 1 RTP/AVP 8'))).toMatchObject({ ok: false, error: { code: 'no-common-codec' } });
    expect(parseAnswer(offer, sdp(...head, 'm=audio 0 RTP/AVP 0'))).toMatchObject({ ok: false, error: { code: 'no-common-codec' } });
    expect(parseAnswer(offer, 'junk')).toMatchObject({ ok: false, error: { code: 'malformed' } });
  });
});

describe('SessionVersion (RFC 3264 §8)', () => {
  it('increments the o= version for each changed description of the same session', () => {
    const sv = new SessionVersion('555');
    const render = (port: number) => (version: number) => createOffer({ ...local, port, sessionId: sv.sessionId, version });
    const first = sv.describe(render(20000));
    const same = sv.describe(render(20000));
    const moved = sv.describe(render(20002));
    expect([first, same, moved].map((s) => parse(s).origin.sessionVersion)).toEqual([1, 1, 2]);
    expect(new Set([first, same, moved].map((s) => parse(s).origin.sessionId))).toEqual(new Set([555]));
    expect(sv.next()).toBe(3);
  });

  it('tells a refreshed remote offer from a changed one', () => {
    const a = sdp(...head, 'm=audio 1 RTP/AVP 0');
    expect(isSessionChanged(a, a)).toBe(false);
    expect(isSessionChanged(a, a.replace('2890844526 2890844526', '2890844526 2890844527'))).toBe(true);
  });
});

describe('refused non-RTP lines', () => {
  it('echo their format list (T.38 image, BFCP application)', () => {
    const r = createAnswer(
      sdp(...head, 'm=image 40002 udptl t38', 'm=audio 40000 RTP/AVP 0', 'm=application 40004 UDP/BFCP *'),
      local,
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.sdp).toContain('m=image 0 udptl t38\r\n');
    expect(r.sdp).toContain('m=application 0 UDP/BFCP *\r\n');
  });
});
