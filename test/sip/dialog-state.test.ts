import { describe, expect, it } from 'vitest';
import { DialogState } from '../../sip/dialog/state.js';
import { glareRetryDelay } from '../../sip/dialog/glare.js';
import { expiryDelayMs, negotiateAsUac, negotiateAsUas, parseSessionExpires, refreshDelayMs } from '../../sip/dialog/session-timer.js';
import { serializeUri } from '../../sip/message/serialize.js';
import { parseMessage } from '../../sip/message/parse.js';
import type { SipRequest, SipResponse } from '../../sip/message/types.js';

function parse<T>(text: string): T {
  const result = parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (!result.ok) throw new Error(result.reason);
  return result.message as T;
}

const INVITE = `INVITE sip:bob@b.example SIP/2.0
Via: SIP/2.0/UDP p2.example;branch=z9hG4bK2
Via: SIP/2.0/UDP a.example;branch=z9hG4bK1
Max-Forwards: 69
Record-Route: <sip:p2.example;lr>
Record-Route: <sip:p1.example;lr>
From: Alice <sip:alice@a.example>;tag=at
To: <sip:bob@b.example>
Call-ID: c1
CSeq: 10 INVITE
Contact: <sip:alice@10.0.0.1:5062>
Content-Length: 0

`;

const OK = `SIP/2.0 200 OK
Via: SIP/2.0/UDP a.example;branch=z9hG4bK1
Record-Route: <sip:p2.example;lr>
Record-Route: <sip:p1.example;lr>
From: Alice <sip:alice@a.example>;tag=at
To: <sip:bob@b.example>;tag=bt
Call-ID: c1
CSeq: 10 INVITE
Contact: <sip:bob@10.0.0.2:5064>
Content-Length: 0

`;

describe('dialog state (RFC 3261 §12)', () => {
  it('builds the UAS side: id, route set in Record-Route order, remote target, remote CSeq', () => {
    const state = DialogState.asUas(parse<SipRequest>(INVITE), 'bt', '<sip:bob@10.0.0.2:5064>');
    expect(state?.id).toEqual({ callId: 'c1', localTag: 'bt', remoteTag: 'at' });
    expect(state?.routeSet.map((r) => r.uri.host)).toEqual(['p2.example', 'p1.example']);
    expect(serializeUri(state!.remoteTarget)).toBe('sip:alice@10.0.0.1:5062');
    expect(state?.remoteSeq).toBe(10);
  });

  it('builds the UAC side with the route set reversed and the local CSeq of the INVITE', () => {
    const state = DialogState.asUac(parse<SipRequest>(INVITE), parse<SipResponse>(OK), '<sip:alice@10.0.0.1:5062>');
    expect(state?.id).toEqual({ callId: 'c1', localTag: 'at', remoteTag: 'bt' });
    expect(state?.routeSet.map((r) => r.uri.host)).toEqual(['p1.example', 'p2.example']);
    expect(state?.localSeq).toBe(10);
    const bye = state!.createRequest('BYE');
    expect(bye.headers.get('cseq')).toBe('11 BYE');
    expect(serializeUri(bye.uri)).toBe('sip:bob@10.0.0.2:5064'); // loose routing: remote target
    expect(bye.headers.getAll('route')).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    expect(bye.headers.get('to')).toBe('<sip:bob@b.example>;tag=bt');
    expect(bye.headers.get('from')).toBe('Alice <sip:alice@a.example>;tag=at');
    expect(state?.nextHop().host).toBe('p1.example');
    expect(state!.createRequest('INFO').headers.get('cseq')).toBe('12 INFO');
    expect(state!.createRequest('ACK', { seq: 10 }).headers.get('cseq')).toBe('10 ACK');
  });

  it('uses strict routing when the first route has no lr parameter', () => {
    const strict = OK.replace('<sip:p1.example;lr>', '<sip:p1.example>');
    const state = DialogState.asUac(parse<SipRequest>(INVITE), parse<SipResponse>(strict), '<sip:a@h>');
    const bye = state!.createRequest('BYE');
    expect(serializeUri(bye.uri)).toBe('sip:p1.example');
    expect(bye.headers.getAll('route')).toEqual(['<sip:p2.example;lr>', '<sip:bob@10.0.0.2:5064>']);
  });

  it('refuses out-of-order remote CSeq numbers (§12.2.2) and refreshes the remote target', () => {
    const state = DialogState.asUas(parse<SipRequest>(INVITE), 'bt', '<sip:b@h>')!;
    expect(state.acceptRemoteSeq(9)).toBe(false);
    expect(state.acceptRemoteSeq(11)).toBe(true);
    expect(state.acceptRemoteSeq(10)).toBe(false);
    state.refreshTarget(parse<SipRequest>(INVITE.replace('10.0.0.1:5062', '10.9.9.9:5070')));
    expect(serializeUri(state.remoteTarget)).toBe('sip:alice@10.9.9.9:5070');
  });

  it('refuses to build a dialog without Contact or tags', () => {
    expect(DialogState.asUas(parse<SipRequest>(INVITE.replace(/Contact:.*\n/, '')), 'bt', '<sip:b@h>')).toBeUndefined();
    expect(DialogState.asUac(parse<SipRequest>(INVITE), parse<SipResponse>(OK.replace(';tag=bt', '')), '<sip:a@h>')).toBeUndefined();
  });
});

describe('glare retry delay (§14.1)', () => {
  it('waits 2.1–4 s for the Call-ID owner and 0–2 s for the other side, in 10 ms steps', () => {
    expect(glareRetryDelay(true, () => 0)).toBe(2100);
    expect(glareRetryDelay(true, () => 0.9999)).toBe(4000);
    expect(glareRetryDelay(false, () => 0)).toBe(0);
    expect(glareRetryDelay(false, () => 0.9999)).toBe(2000);
    expect(glareRetryDelay(false, () => 0.5) % 10).toBe(0);
  });
});

describe('session timer negotiation (RFC 4028)', () => {
  const policy = { interval: 1800, minSE: 90 };
  const withHeaders = (headers: string): SipRequest => parse<SipRequest>(INVITE.replace('Content-Length: 0', `${headers}Content-Length: 0`));

  it('parses Session-Expires with its refresher', () => {
    expect(parseSessionExpires('1800;refresher=uas')).toEqual({ interval: 1800, refresher: 'uas' });
    expect(parseSessionExpires(' 90 ')).toEqual({ interval: 90 });
    expect(parseSessionExpires('soon')).toBeUndefined();
  });

  it('has no timer without Session-Expires, and rejects an interval below Min-SE', () => {
    expect(negotiateAsUas(withHeaders(''), policy)).toEqual({ kind: 'none' });
    expect(negotiateAsUas(withHeaders('Session-Expires: 60\n'), policy)).toEqual({ kind: 'too-small', minSE: 90 });
  });

  it('leaves refreshing to a UAC that supports timers, lowering the interval to our preference', () => {
    const d = negotiateAsUas(withHeaders('Supported: timer\nSession-Expires: 3600\n'), policy);
    expect(d).toEqual({ kind: 'timer', interval: 1800, refresher: 'uac', require: true });
  });

  it('keeps the refresher the UAC chose, and refreshes itself for a UAC without timer support', () => {
    expect(negotiateAsUas(withHeaders('Supported: timer\nSession-Expires: 600;refresher=uas\n'), policy)).toMatchObject({ refresher: 'uas', interval: 600 });
    expect(negotiateAsUas(withHeaders('Session-Expires: 600;refresher=uac\n'), policy)).toEqual({ kind: 'timer', interval: 600, refresher: 'uas', require: false });
  });

  it('reads the 2xx on the UAC side and computes refresh and expiry times', () => {
    expect(negotiateAsUac(parse<SipResponse>(OK.replace('Content-Length', 'Session-Expires: 900;refresher=uas\nContent-Length')))).toEqual({ interval: 900, refresher: 'uas' });
    expect(negotiateAsUac(parse<SipResponse>(OK))).toBeUndefined();
    expect(refreshDelayMs(1800)).toBe(900_000);
    expect(expiryDelayMs(1800)).toBe(1768_000);
    expect(expiryDelayMs(90)).toBe(60_000);
  });
});
