import { describe, expect, it } from 'vitest';
import {
  canRespond,
  createRequest,
  createResponse,
  getTo,
  parseMessage,
  reasonPhrase,
  serializeMessage,
  type SipRequest,
} from '../../../sip/message/index.js';

const invite = (): SipRequest =>
  createRequest({
    method: 'INVITE',
    uri: 'sip:+15550001111@trunk.example.com',
    from: { displayName: 'Agent', uri: { scheme: 'sip', user: 'agent', host: 'vox.example.com', params: {}, headers: {} }, params: { tag: 'ft' } },
    to: '<sip:+15550001111@trunk.example.com>',
    callId: 'call-1@vox',
    cseq: 1,
    via: [{ protocol: 'SIP/2.0', transport: 'UDP', host: '198.51.100.7', port: 5060, params: { branch: 'z9hG4bKa', rport: null } }],
    contact: '<sip:agent@198.51.100.7:5060>',
    headers: [['Timestamp', '54']],
    body: 'v=0\r\n',
    contentType: 'application/sdp',
  });

describe('createRequest / createResponse', () => {
  it('builds a request that parses back with the mandatory headers', () => {
    const r = parseMessage(serializeMessage(invite()));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.message.headers].map(([n]) => n)).toEqual([
      'via', 'max-forwards', 'from', 'to', 'call-id', 'cseq', 'contact', 'timestamp', 'content-type', 'content-length',
    ]);
    expect(r.message.headers.get('from')).toBe('Agent <sip:agent@vox.example.com>;tag=ft');
  });

  it('copies Via, From, To, Call-ID, CSeq and adds a To tag (RFC 3261 §8.2.6.2)', () => {
    const res = createResponse(invite(), 200, undefined, { toTag: 'tt', body: 'v=0\r\n', contentType: 'application/sdp' });
    expect(res.reason).toBe('OK');
    expect(res.headers.getAll('via')).toEqual(['SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKa;rport']);
    expect(getTo(res)?.params.tag).toBe('tt');
    expect(res.headers.get('cseq')).toBe('1 INVITE');
    expect(res.headers.has('timestamp')).toBe(false);
    expect(createResponse(invite(), 100).headers.get('timestamp')).toBe('54');
  });

  it('keeps an existing To tag and answers a rejected parse from its partial', () => {
    const req = invite();
    req.headers.set('to', '<sip:b@h>;tag=already');
    expect(getTo(createResponse(req, 200, 'OK', { toTag: 'new' }))?.params.tag).toBe('already');
    const text = serializeMessage(invite()).toString().replace('CSeq: 1 INVITE', 'CSeq: 1 BYE');
    const r = parseMessage(Buffer.from(text));
    expect(r.ok).toBe(false);
    if (r.ok || !canRespond(r.partial)) throw new Error('expected a partial request');
    const res = createResponse(r.partial, r.status ?? 400, r.reason);
    expect(res.headers.get('call-id')).toBe('call-1@vox');
    expect(res.reason).toBe('CSeq method does not match the request method');
  });

  it('has RFC 3261 reason phrases', () => {
    expect(reasonPhrase(488)).toBe('Not Acceptable Here');
    expect(reasonPhrase(499)).toBe('Bad Request');
  });
});
