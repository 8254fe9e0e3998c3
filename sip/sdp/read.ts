/**
 * Reading a remote description safely: sdp-transform is lenient (unknown or broken lines are
 * silently skipped), so the fields offer/answer relies on are checked here and a broken SDP
 * becomes a typed error instead of an exception deeper down.
 */
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { AudioCodec, Direction, SdpError } from './types.js';

export interface RtpFormat {
  payloadType: number;
  /** Encoding name as written (compare case-insensitively). */
  encoding?: string;
  clockRate?: number;
  channels?: number;
  fmtp?: string;
}

export interface RemoteMedia {
  index: number;
  type: string;
  port: number;
  protocol: string;
  /** The m-line's format list as written (echoed when the line is refused). */
  payloads: string;
  formats: RtpFormat[];
  address?: string;
  rtcpPort?: number;
  direction: Direction;
  ptime?: number;
}

export interface RemoteSession {
  sessionId: string;
  version: string;
  media: RemoteMedia[];
}

/** Static payload types of RFC 3551 §6 that we know. */
const STATIC: Record<number, { encoding: string; clockRate: number; channels: number }> = {
  0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encoding: 'G722', clockRate: 8000, channels: 1 },
  18: { encoding: 'G729', clockRate: 8000, channels: 1 },
};

export const malformed = (message: string): SdpError => ({ code: 'malformed', message, status: 400 });

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function readFormats(m: MediaDescription): RtpFormat[] | undefined {
  const out: RtpFormat[] = [];
  for (const token of String(m.payloads ?? '').trim().split(/\s+/)) {
    if (!/^\d{1,3}$/.test(token) || Number(token) > 127) return undefined;
    const pt = Number(token);
    const rtp = m.rtp.find((r) => r.payload === pt);
    const fmt: RtpFormat = { payloadType: pt };
    if (rtp) {
      fmt.encoding = rtp.codec;
      fmt.clockRate = rtp.rate;
      fmt.channels = rtp.encoding === undefined ? 1 : Number(rtp.encoding) || 1;
    } else if (STATIC[pt]) Object.assign(fmt, STATIC[pt]);
    const fmtp = m.fmtp.find((f) => f.payload === pt);
    if (fmtp) fmt.fmtp = fmtp.config;
    out.push(fmt);
  }
  return out;
}

function readMedia(m: MediaDescription, index: number, session: SessionDescription): RemoteMedia | SdpError {
  if (typeof m.type !== 'string' || !Number.isInteger(m.port) || m.port < 0 || m.port > 65535 || !m.protocol) {
    return malformed(`m-line ${index} is not "m=<media> <port> <proto> <fmt> …"`);
  }
  const formats = m.type === 'audio' || m.type === 'video' ? readFormats(m) : [];
  if (!formats) return malformed(`m-line ${index} has an invalid payload type list`);
  const direction = (m.direction ?? session.direction ?? 'sendrecv') as Direction;
  const payloads = String(m.payloads ?? '').trim();
  const media: RemoteMedia = { index, type: m.type, port: m.port, protocol: m.protocol, payloads, formats, direction: DIRECTIONS.has(direction) ? direction : 'sendrecv' };
  const address = m.connection?.ip ?? session.connection?.ip;
  if (address) media.address = address.split('/')[0]; // drop a multicast TTL suffix
  if (m.rtcp && Number.isInteger(m.rtcp.port)) media.rtcpPort = m.rtcp.port;
  if (typeof m.ptime === 'number' && m.ptime > 0) media.ptime = m.ptime;
  return media;
}

/** Parses and checks a remote SDP body. Never throws. */
export function readSession(text: string | Buffer): RemoteSession | SdpError {
  let session: SessionDescription;
  try {
    session = parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return malformed('unparseable SDP');
  }
  if (session.version !== 0) return malformed('missing or unsupported v= line');
  const o = session.origin;
  if (!o || o.sessionId === undefined || o.sessionVersion === undefined) return malformed('missing o= line');
  if (!Array.isArray(session.media) || session.media.length === 0) return malformed('no m= line');
  const media: RemoteMedia[] = [];
  for (let i = 0; i < session.media.length; i++) {
    const m = readMedia(session.media[i], i, session);
    if ('code' in m) return m;
    media.push(m);
  }
  return { sessionId: String(o.sessionId), version: String(o.sessionVersion), media };
}

/** The codec a remote format stands for, when it is one we implement. */
export function codecOf(f: RtpFormat): AudioCodec | undefined {
  const enc = f.encoding?.toLowerCase();
  if (enc === 'pcmu' && f.clockRate === 8000) return 'PCMU';
  if (enc === 'pcma' && f.clockRate === 8000) return 'PCMA';
  if (enc === 'opus' && f.clockRate === 48000) return 'opus';
  return undefined;
}

export function isTelephoneEvent(f: RtpFormat, clockRate: number): boolean {
  return f.encoding?.toLowerCase() === 'telephone-event' && f.clockRate === clockRate;
}

/** RTP/AVP and RTP/AVPF only: no SRTP (RTP/SAVP…) and no DTLS (UDP/TLS/RTP/SAVPF). */
export function isPlainRtp(protocol: string): boolean {
  const p = protocol.toUpperCase();
  return p === 'RTP/AVP' || p === 'RTP/AVPF';
}

/** RFC 2543 hold: a connection address of 0.0.0.0 (RFC 3264 §8.4 still asks us to understand it). */
export function isNullAddress(address: string | undefined): boolean {
  return address === '0.0.0.0' || address === '::';
}
