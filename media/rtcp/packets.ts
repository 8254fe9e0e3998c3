/**
 * RTCP packets (RFC 3550 §6.4–6.6): compound SR/RR + SDES CNAME (+ BYE) written into caller
 * buffers, and a compound parser filling a reusable object. Reports are written every few seconds,
 * so clarity wins over micro-optimisation here, but nothing per report allocates either.
 */

import { readU32, writeU32 } from '../rtp/packet.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
const SDES_CNAME = 1;
const MAX_BLOCKS = 31; // 5-bit report count

/** One reception report block (§6.4.1). Field names match `ReceptionReport` in media/jitter. */
export interface ReportBlock {
  ssrc: number;
  /** 8-bit fixed point: lost / expected × 256 over the last interval. */
  fractionLost: number;
  /** 24-bit signed. */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  highestSeq: number;
  /** Inter-arrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR from this source, 0 if none. */
  lsr: number;
  /** Delay since that SR, in 1/65536 s, 0 if none. */
  dlsr: number;
}

export function createReportBlock(): ReportBlock {
  return { ssrc: 0, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
}

/** Sender info of an SR (§6.4.1). */
export interface SenderInfo {
  ntpMsw: number;
  ntpLsw: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export function createSenderInfo(): SenderInfo {
  return { ntpMsw: 0, ntpLsw: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 };
}

export interface ReportInput {
  ssrc: number;
  /** Our sender info; null when we have not sent since the last report: an RR (§6.4.2). */
  sender: SenderInfo | null;
  /** The block about the stream we receive; null before we have received anything. */
  block: ReportBlock | null;
  /** CNAME bytes (UTF-8, ≤ 255), encoded once per session with `encodeCname`. */
  cname: Uint8Array;
}

export function encodeCname(cname: string): Uint8Array {
  const bytes = Buffer.from(cname, 'utf8');
  return bytes.length > 255 ? bytes.subarray(0, 255) : bytes;
}

/** Bytes `writeReport` needs for a CNAME of `cnameLength` bytes. */
export function reportSize(cnameLength: number): number {
  return 28 + 24 + sdesSize(cnameLength);
}

/**
 * Write a compound SR or RR (with at most one report block) followed by SDES CNAME (§6.1: every
 * compound packet carries a CNAME). Returns the bytes written, or −1 when `out` is too small.
 */
export function writeReport(out: Uint8Array, offset: number, r: ReportInput): number {
  const rc = r.block ? 1 : 0;
  const reportLength = (r.sender ? 28 : 8) + rc * 24;
  const total = reportLength + sdesSize(r.cname.length);
  if (offset + total > out.length) return -1;
  writeHeader(out, offset, rc, r.sender ? RTCP_SR : RTCP_RR, reportLength);
  writeU32(out, offset + 4, r.ssrc);
  let o = offset + 8;
  if (r.sender) {
    writeU32(out, o, r.sender.ntpMsw);
    writeU32(out, o + 4, r.sender.ntpLsw);
    writeU32(out, o + 8, r.sender.rtpTimestamp);
    writeU32(out, o + 12, r.sender.packetCount);
    writeU32(out, o + 16, r.sender.octetCount);
    o += 20;
  }
  if (r.block) o += writeBlock(out, o, r.block);
  writeSdesCname(out, o, r.ssrc, r.cname);
  return total;
}

/**
 * Write a compound RR + SDES CNAME + BYE for leaving the session (§6.6; §6.1 wants the BYE last
 * in a compound that starts with a report). Returns bytes written or −1.
 */
export function writeBye(out: Uint8Array, offset: number, ssrc: number, cname: Uint8Array): number {
  const n = writeReport(out, offset, { ssrc, sender: null, block: null, cname });
  if (n < 0 || offset + n + 8 > out.length) return -1;
  writeHeader(out, offset + n, 1, RTCP_BYE, 8);
  writeU32(out, offset + n + 4, ssrc);
  return n + 8;
}

function writeHeader(out: Uint8Array, o: number, count: number, pt: number, byteLength: number): void {
  out[o] = 0x80 | count;
  out[o + 1] = pt;
  const words = byteLength / 4 - 1; // §6.4.1: length in 32-bit words minus one
  out[o + 2] = words >>> 8;
  out[o + 3] = words & 0xff;
}

function writeBlock(out: Uint8Array, o: number, b: ReportBlock): number {
  writeU32(out, o, b.ssrc);
  writeU32(out, o + 4, (((b.fractionLost & 0xff) << 24) | (b.cumulativeLost & 0xffffff)) >>> 0);
  writeU32(out, o + 8, b.highestSeq);
  writeU32(out, o + 12, b.jitter);
  writeU32(out, o + 16, b.lsr);
  writeU32(out, o + 20, b.dlsr);
  return 24;
}

/** SDES packet with one chunk: SSRC, CNAME item, END, padded to 32 bits (§6.5). */
function sdesSize(cnameLength: number): number {
  return 4 + 4 + Math.ceil((2 + cnameLength + 1) / 4) * 4;
}

function writeSdesCname(out: Uint8Array, o: number, ssrc: number, cname: Uint8Array): void {
  const size = sdesSize(cname.length);
  writeHeader(out, o, 1, RTCP_SDES, size);
  writeU32(out, o + 4, ssrc);
  out[o + 8] = SDES_CNAME;
  out[o + 9] = cname.length;
  out.set(cname, o + 10);
  out.fill(0, o + 10 + cname.length, o + size); // END item and padding (§6.5)
}

// --- parsing ---------------------------------------------------------------------------------

export const RtcpParse = {
  OK: 0,
  TOO_SHORT: 1,
  BAD_VERSION: 2,
  /** A length field runs past the datagram, or the lengths do not add up to it (A.2). */
  BAD_LENGTH: 3,
  /** Padding on a packet other than the last (A.2) or an impossible pad count. */
  BAD_PADDING: 4,
  /** A report count needs more bytes than the packet has. */
  TRUNCATED_REPORT: 5,
} as const;
export type RtcpParseResult = (typeof RtcpParse)[keyof typeof RtcpParse];

/** What a compound packet said. Reuse one per session: blocks and strings are preallocated views. */
export interface RtcpCompound {
  /** SSRC of the first SR/RR, 0 if none. */
  senderSsrc: number;
  hasSr: boolean;
  sr: SenderInfo;
  /** Report blocks of every SR/RR in the packet; the first `blockCount` are valid. */
  blocks: ReportBlock[];
  blockCount: number;
  /** Offset and length of the first CNAME in the parsed buffer (−1 when absent). */
  cnameOffset: number;
  cnameLength: number;
  bye: boolean;
  /** Packets of types we skip (APP, XR, feedback …). */
  unknown: number;
}

export function createRtcpCompound(): RtcpCompound {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < MAX_BLOCKS; i++) blocks.push(createReportBlock());
  return {
    senderSsrc: 0, hasSr: false, sr: createSenderInfo(), blocks, blockCount: 0,
    cnameOffset: -1, cnameLength: 0, bye: false, unknown: 0,
  };
}

/** Parse a compound RTCP datagram into `out`. Never throws; garbage gives a reason code. */
export function parseRtcp(buf: Uint8Array, out: RtcpCompound): RtcpParseResult {
  resetCompound(out);
  if (buf.length < 4) return RtcpParse.TOO_SHORT;
  let o = 0;
  while (o < buf.length) {
    if (o + 4 > buf.length) return RtcpParse.BAD_LENGTH;
    if (buf[o] >>> 6 !== 2) return RtcpParse.BAD_VERSION;
    const length = (((buf[o + 2] << 8) | buf[o + 3]) + 1) * 4;
    if (o + length > buf.length) return RtcpParse.BAD_LENGTH;
    let body = length;
    if ((buf[o] & 0x20) !== 0) {
      const pad = buf[o + length - 1];
      if (o + length !== buf.length || pad === 0 || pad > length - 4) return RtcpParse.BAD_PADDING;
      body -= pad;
    }
    const r = parseOne(buf, o, body, out);
    if (r !== RtcpParse.OK) return r;
    o += length;
  }
  return RtcpParse.OK;
}

function resetCompound(out: RtcpCompound): void {
  out.senderSsrc = 0;
  out.hasSr = false;
  out.blockCount = 0;
  out.cnameOffset = -1;
  out.cnameLength = 0;
  out.bye = false;
  out.unknown = 0;
}

function parseOne(buf: Uint8Array, o: number, length: number, out: RtcpCompound): RtcpParseResult {
  const count = buf[o] & 0x1f;
  switch (buf[o + 1]) {
    case RTCP_SR:
    case RTCP_RR:
      return parseReport(buf, o, length, count, out);
    case RTCP_SDES:
      parseSdes(buf, o, length, count, out);
      return RtcpParse.OK;
    case RTCP_BYE:
      out.bye = true;
      return RtcpParse.OK;
    default:
      out.unknown++; // §6.1: unknown types are ignored
      return RtcpParse.OK;
  }
}

function parseReport(buf: Uint8Array, o: number, length: number, count: number, out: RtcpCompound): RtcpParseResult {
  const isSr = buf[o + 1] === RTCP_SR;
  const blocksAt = o + (isSr ? 28 : 8);
  if (length < 8 || blocksAt + count * 24 > o + length) return RtcpParse.TRUNCATED_REPORT;
  if (out.senderSsrc === 0) out.senderSsrc = readU32(buf, o + 4);
  if (isSr && !out.hasSr) {
    out.hasSr = true;
    out.sr.ntpMsw = readU32(buf, o + 8);
    out.sr.ntpLsw = readU32(buf, o + 12);
    out.sr.rtpTimestamp = readU32(buf, o + 16);
    out.sr.packetCount = readU32(buf, o + 20);
    out.sr.octetCount = readU32(buf, o + 24);
  }
  for (let i = 0; i < count && out.blockCount < out.blocks.length; i++) {
    readBlock(buf, blocksAt + i * 24, out.blocks[out.blockCount++]);
  }
  return RtcpParse.OK;
}

function readBlock(buf: Uint8Array, o: number, b: ReportBlock): void {
  b.ssrc = readU32(buf, o);
  const lost = readU32(buf, o + 4);
  b.fractionLost = lost >>> 24;
  b.cumulativeLost = ((lost & 0xffffff) << 8) >> 8; // sign-extend 24 bits
  b.highestSeq = readU32(buf, o + 8);
  b.jitter = readU32(buf, o + 12);
  b.lsr = readU32(buf, o + 16);
  b.dlsr = readU32(buf, o + 20);
}

/** Find the first CNAME item; malformed chunks end the scan quietly (SDES is informational). */
function parseSdes(buf: Uint8Array, o: number, length: number, count: number, out: RtcpCompound): void {
  const end = o + length;
  let p = o + 4;
  for (let chunk = 0; chunk < count && p + 4 <= end; chunk++) {
    p += 4; // SSRC/CSRC
    while (p < end && buf[p] !== 0) {
      if (p + 2 > end || p + 2 + buf[p + 1] > end) return;
      if (buf[p] === SDES_CNAME && out.cnameOffset < 0) {
        out.cnameOffset = p + 2;
        out.cnameLength = buf[p + 1];
      }
      p += 2 + buf[p + 1];
    }
    p = (p + 4) & ~3; // skip END and the padding to the next 32-bit boundary
  }
}

/** Decode the CNAME found by `parseRtcp` (allocates a string: call only when it is needed). */
export function rtcpCname(buf: Uint8Array, parsed: RtcpCompound): string | null {
  if (parsed.cnameOffset < 0) return null;
  return Buffer.from(buf.buffer, buf.byteOffset + parsed.cnameOffset, parsed.cnameLength).toString('utf8');
}
