/**
 * The messages of the parse part of `npm run bench -- peers`: what a B2BUA facing a carrier
 * receives per call (the INVITE, the 200 OK with SDP of an outbound call, the BYE) plus one valid
 * RFC 4475 torture message (§3.1.1.1 wsinv: folding, compact forms, LWS everywhere).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const crlf = (lines: string[], body = ''): Buffer => {
  const head = lines.join('\r\n') + '\r\n';
  const cl = Buffer.byteLength(body);
  return Buffer.from(head.replace('Content-Length: 0', `Content-Length: ${cl}`) + '\r\n' + body);
};

const SDP = [
  'v=0',
  'o=- 4858219547 4858219547 IN IP4 203.0.113.17',
  's=Carrier',
  'c=IN IP4 203.0.113.17',
  't=0 0',
  'm=audio 18742 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
  '',
].join('\r\n');

export const CARRIER_INVITE = crlf(
  [
    'INVITE sip:+14155550123@198.51.100.10:5060;transport=udp SIP/2.0',
    'Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-524287-1---8f4b2c1a9d3e7f60;rport',
    'Via: SIP/2.0/UDP 10.20.30.40:5060;received=10.20.30.40;branch=z9hG4bKnashds7a1b2c3',
    'Record-Route: <sip:203.0.113.5;lr;ftag=as5f1e2d3c;did=e2b.a1c2>',
    'Record-Route: <sip:10.20.30.41;r2=on;lr;ftag=as5f1e2d3c>',
    'Max-Forwards: 68',
    'From: "WIRELESS CALLER" <sip:+12125550199@203.0.113.5:5060>;tag=as5f1e2d3c',
    'To: <sip:+14155550123@198.51.100.10:5060>',
    'Call-ID: 4b1c8e0f6a2d4e3b9c7d5f1a2b3c4d5e@203.0.113.5',
    'CSeq: 102 INVITE',
    'Contact: <sip:+12125550199@203.0.113.5:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO, UPDATE, PRACK',
    'Supported: replaces, timer, 100rel',
    'Session-Expires: 1800;refresher=uac',
    'Min-SE: 90',
    'P-Asserted-Identity: "WIRELESS CALLER" <sip:+12125550199@203.0.113.5;user=phone>',
    'Diversion: <sip:+14155550100@203.0.113.5>;reason=unconditional;counter=1',
    'User-Agent: Carrier-SBC 7.2',
    'Content-Type: application/sdp',
    'Content-Length: 0',
  ],
  SDP,
);

export const OK_WITH_SDP = crlf(
  [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK7f3a9c2e1d4b5a6f;rport=5060;received=198.51.100.10',
    'Record-Route: <sip:203.0.113.5;lr;ftag=9f8e7d6c>',
    'From: <sip:+14155550123@198.51.100.10>;tag=9f8e7d6c',
    'To: <sip:+12125550199@203.0.113.5>;tag=SDd8a0c1b2-1',
    'Call-ID: 0f6a2d4e-3b9c-7d5f-1a2b-3c4d5e6f7a8b',
    'CSeq: 1 INVITE',
    'Contact: <sip:+12125550199@203.0.113.5:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO, UPDATE',
    'Supported: timer',
    'Session-Expires: 1800;refresher=uac',
    'Require: timer',
    'Server: Carrier-SBC 7.2',
    'Content-Type: application/sdp',
    'Content-Length: 0',
  ],
  SDP,
);

export const BYE = crlf([
  'BYE sip:+14155550123@198.51.100.10:5060;transport=udp SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-524287-1---2c1a9d3e7f60;rport',
  'Max-Forwards: 70',
  'Route: <sip:198.51.100.10;lr>',
  'From: "WIRELESS CALLER" <sip:+12125550199@203.0.113.5:5060>;tag=as5f1e2d3c',
  'To: <sip:+14155550123@198.51.100.10:5060>;tag=8a7b6c5d',
  'Call-ID: 4b1c8e0f6a2d4e3b9c7d5f1a2b3c4d5e@203.0.113.5',
  'CSeq: 103 BYE',
  'User-Agent: Carrier-SBC 7.2',
  'Content-Length: 0',
]);

const torture = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sip', 'torture');
export const WSINV = readFileSync(join(torture, 'wsinv.dat'));

export const PEER_MESSAGES: Record<string, Buffer> = {
  carrierInvite: CARRIER_INVITE,
  ok200WithSdp: OK_WITH_SDP,
  bye: BYE,
  rfc4475Wsinv: WSINV,
};
