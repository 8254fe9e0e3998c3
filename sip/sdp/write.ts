/** Writing local descriptions with sdp-transform (RFC 4566/8866 field order, CRLF line ends). */
import { write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { AudioCodec, Direction, LocalMedia } from './types.js';

export interface AudioFormat {
  payloadType: number;
  codec: AudioCodec | 'telephone-event';
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

/** RFC 3551 static types and our defaults for the dynamic ones (RFC 7587 opus, RFC 4733). */
export const DEFAULT_PT = { PCMU: 0, PCMA: 8, opus: 111, te8000: 101, te48000: 110 } as const;

export const CODEC_INFO: Record<AudioCodec, { clockRate: number; channels: number }> = {
  PCMU: { clockRate: 8000, channels: 1 },
  PCMA: { clockRate: 8000, channels: 1 },
  // RFC 7587 §7: opus is always signalled as opus/48000/2
  opus: { clockRate: 48000, channels: 2 },
};

const ipVer = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);

export function audioMedia(port: number, formats: AudioFormat[], direction: Direction, ptime?: number, rtcpPort?: number): MediaDescription {
  const m: MediaDescription = {
    type: 'audio',
    port,
    protocol: 'RTP/AVP',
    payloads: formats.map((f) => f.payloadType).join(' '),
    rtp: formats.map((f) => ({
      payload: f.payloadType,
      codec: f.codec,
      rate: f.clockRate,
      ...(f.channels && f.channels > 1 ? { encoding: f.channels } : {}),
    })),
    fmtp: formats.filter((f) => f.fmtp).map((f) => ({ payload: f.payloadType, config: f.fmtp! })),
    direction,
  };
  if (ptime !== undefined) m.ptime = ptime;
  if (rtcpPort !== undefined) m.rtcp = { port: rtcpPort };
  return m;
}

/** A refused m-line (RFC 3264 §6: port 0, same media type, transport and formats). */
export function rejectedMedia(type: string, protocol: string, payloads: string): MediaDescription {
  return { type, port: 0, protocol, payloads: payloads || '*', rtp: [], fmtp: [] };
}

export function writeSession(local: LocalMedia, media: MediaDescription[]): string {
  const session: SessionDescription = {
    version: 0,
    origin: {
      username: local.username ?? '-',
      sessionId: local.sessionId,
      sessionVersion: local.version,
      netType: 'IN',
      ipVer: ipVer(local.address),
      address: local.address,
    },
    name: '-',
    connection: { version: ipVer(local.address), ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  };
  return write(session);
}
