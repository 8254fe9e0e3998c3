/**
 * RTP fixed header (RFC 3550 §5.1): parse into a reusable header object, write into a caller
 * buffer, and sequence/timestamp arithmetic with wrap-around. Nothing here allocates or throws:
 * a bad packet is a numeric reason code, because it arrives from the network at 50 pps per call.
 */

/** Parse outcome. Stable numeric codes (counters index by them); `RTP_OK` is 0. */
export const RtpParse = {
  OK: 0,
  /** Shorter than the 12-byte fixed header. */
  TOO_SHORT: 1,
  /** Longer than the configured maximum (MTU-sized by default). */
  TOO_LONG: 2,
  /** Version field is not 2 (RFC 3550 §5.1). */
  BAD_VERSION: 3,
  /** The CSRC list runs past the end of the packet. */
  TRUNCATED_CSRC: 4,
  /** The header extension runs past the end of the packet (RFC 3550 §5.3.1). */
  TRUNCATED_EXTENSION: 5,
  /** Padding count is 0 or larger than what follows the headers (RFC 3550 §5.1 "P"). */
  BAD_PADDING: 6,
} as const;
export type RtpParseResult = (typeof RtpParse)[keyof typeof RtpParse];

const PARSE_NAMES = ['ok', 'too_short', 'too_long', 'bad_version', 'truncated_csrc', 'truncated_extension', 'bad_padding'];

/** Constant name of a parse result, for logs and stats keys. */
export function rtpParseResultName(code: RtpParseResult): string {
  return PARSE_NAMES[code] ?? 'unknown';
}

export const RTP_HEADER_SIZE = 12;
/** Default upper bound: an Ethernet MTU. Larger datagrams are not RTP we asked for. */
export const RTP_MAX_PACKET_SIZE = 1500;

/** A parsed header. Create once per stream with `createRtpHeader()` and reuse for every packet. */
export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Header extension "defined by profile" field; 0 when there is no extension. */
  extensionProfile: number;
  /** Offset and byte length of the extension data (after its 4-byte header); 0 when absent. */
  extensionOffset: number;
  extensionLength: number;
  /** Number of padding bytes stripped from the end (0 without P). */
  paddingLength: number;
  payloadOffset: number;
  payloadLength: number;
}

export function createRtpHeader(): RtpHeader {
  return {
    version: 0,
    padding: false,
    extension: false,
    csrcCount: 0,
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    extensionProfile: 0,
    extensionOffset: 0,
    extensionLength: 0,
    paddingLength: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/** Read a CSRC identifier of a parsed packet (index < `h.csrcCount`). */
export function rtpCsrc(buf: Uint8Array, index: number): number {
  return readU32(buf, RTP_HEADER_SIZE + 4 * index);
}

/**
 * Parse `buf` (one whole datagram) into `out`. Returns `RtpParse.OK` or a reason code; on failure
 * `out` holds partial values and must not be used.
 */
export function parseRtp(buf: Uint8Array, out: RtpHeader, maxSize: number = RTP_MAX_PACKET_SIZE): RtpParseResult {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return RtpParse.TOO_SHORT;
  if (len > maxSize) return RtpParse.TOO_LONG;
  const b0 = buf[0];
  const b1 = buf[1];
  out.version = b0 >>> 6;
  if (out.version !== 2) return RtpParse.BAD_VERSION;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.csrcCount = b0 & 0x0f;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2] << 8) | buf[3];
  out.timestamp = readU32(buf, 4);
  out.ssrc = readU32(buf, 8);

  let offset = RTP_HEADER_SIZE + 4 * out.csrcCount;
  if (offset > len) return RtpParse.TRUNCATED_CSRC;
  out.extensionProfile = 0;
  out.extensionOffset = 0;
  out.extensionLength = 0;
  if (out.extension) {
    // §5.3.1: 16-bit profile, 16-bit length in 32-bit words, excluding the 4-byte extension header.
    if (offset + 4 > len) return RtpParse.TRUNCATED_EXTENSION;
    out.extensionProfile = (buf[offset] << 8) | buf[offset + 1];
    out.extensionLength = ((buf[offset + 2] << 8) | buf[offset + 3]) * 4;
    out.extensionOffset = offset + 4;
    offset = out.extensionOffset + out.extensionLength;
    if (offset > len) return RtpParse.TRUNCATED_EXTENSION;
  }
  out.paddingLength = 0;
  if (out.padding) {
    // §5.1: the last octet counts the padding octets, itself included, so it is never 0.
    const pad = buf[len - 1];
    if (pad === 0 || offset + pad > len) return RtpParse.BAD_PADDING;
    out.paddingLength = pad;
  }
  out.payloadOffset = offset;
  out.payloadLength = len - offset - out.paddingLength;
  return RtpParse.OK;
}

/**
 * RTP/RTCP multiplexing test (RFC 5761 §4): RTCP packet types 192–223 fall where RTP would carry
 * marker + payload types 64–95, which RTP must not use. Lets a shared port tell them apart.
 */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/** Fields of an outgoing header. Keep one per stream and mutate it: no object per packet. */
export interface RtpHeaderFields {
  marker: boolean;
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
}

/** Write a 12-byte header (V=2, no padding, no extension, no CSRC) at `offset`. Returns 12. */
export function writeRtpHeader(out: Uint8Array, offset: number, f: RtpHeaderFields): number {
  out[offset] = 0x80;
  out[offset + 1] = (f.marker ? 0x80 : 0) | (f.pt & 0x7f);
  out[offset + 2] = (f.seq >>> 8) & 0xff;
  out[offset + 3] = f.seq & 0xff;
  writeU32(out, offset + 4, f.ts);
  writeU32(out, offset + 8, f.ssrc);
  return RTP_HEADER_SIZE;
}

// --- sequence numbers (16-bit) and timestamps (32-bit) with wrap-around -------------------------

/** Signed distance `a - b` between two 16-bit sequence numbers, in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** True when sequence number `a` comes after `b` (modulo 2^16). */
export function isNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Signed distance `a - b` between two 32-bit RTP timestamps. */
export function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function isNewerTs(a: number, b: number): boolean {
  return tsDiff(a, b) > 0;
}

export function tsAdd(ts: number, n: number): number {
  return (ts + n) >>> 0;
}

// --- byte helpers (plain Uint8Array, so callers may pass Buffer or any view) --------------------

export function readU32(buf: Uint8Array, o: number): number {
  return ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
}

export function writeU32(buf: Uint8Array, o: number, v: number): void {
  buf[o] = (v >>> 24) & 0xff;
  buf[o + 1] = (v >>> 16) & 0xff;
  buf[o + 2] = (v >>> 8) & 0xff;
  buf[o + 3] = v & 0xff;
}
