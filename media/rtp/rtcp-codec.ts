/**
 * STAND-IN until `media/rtcp/` lands: the few RTCP packets a session needs (RFC 3550 §6.4 SR/RR,
 * §6.5 SDES CNAME, §6.6 BYE) built and parsed here. Replace the bodies with calls into
 * `media/rtcp/` once it exists; the reporter only depends on these signatures.
 */
import { readU32, writeU32 } from './packet.js';

export interface ReportBlock {
  ssrc: number;
  /** 8-bit fixed point (0–255). */
  fractionLost: number;
  cumulativeLost: number;
  highestSeq: number;
  /** RTP timestamp units. */
  jitter: number;
  lsr: number;
  dlsr: number;
}

export interface SenderInfo {
  ntpMs: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
}

export interface ReportInput {
  ssrc: number;
  /** null: we sent nothing since the last report, so this is an RR (§6.4.2). */
  sender: SenderInfo | null;
  block: ReportBlock | null;
  cname: string;
}

export interface RtcpParsed {
  senderSsrc: number;
  isSr: boolean;
  /** Middle 32 bits of the SR's NTP timestamp (the LSR we echo). */
  ntpMiddle: number;
  blocks: ReportBlock[];
}

const PT_SR = 200;
const PT_RR = 201;
const PT_SDES = 202;
const PT_BYE = 203;
const NTP_EPOCH_OFFSET_S = 2208988800;

export function buildReport(input: ReportInput): Buffer {
  const rc = input.block ? 1 : 0;
  const reportLen = (input.sender ? 28 : 8) + rc * 24;
  const sdes = buildSdes(input.ssrc, input.cname);
  const out = Buffer.alloc(reportLen + sdes.length);
  out[0] = 0x80 | rc;
  out[1] = input.sender ? PT_SR : PT_RR;
  out.writeUInt16BE(reportLen / 4 - 1, 2);
  writeU32(out, 4, input.ssrc);
  let o = 8;
  if (input.sender) {
    const s = input.sender;
    writeU32(out, 8, Math.floor(s.ntpMs / 1000) + NTP_EPOCH_OFFSET_S);
    writeU32(out, 12, Math.floor(((s.ntpMs % 1000) / 1000) * 4294967296) >>> 0);
    writeU32(out, 16, s.rtpTimestamp);
    writeU32(out, 20, s.packets >>> 0);
    writeU32(out, 24, s.octets >>> 0);
    o = 28;
  }
  if (input.block) writeBlock(out, o, input.block);
  sdes.copy(out, reportLen);
  return out;
}

export function buildBye(ssrc: number, cname: string): Buffer {
  const sdes = buildSdes(ssrc, cname);
  const rr = Buffer.alloc(8);
  rr[0] = 0x80;
  rr[1] = PT_RR;
  rr.writeUInt16BE(1, 2);
  writeU32(rr, 4, ssrc);
  const bye = Buffer.alloc(8);
  bye[0] = 0x81;
  bye[1] = PT_BYE;
  bye.writeUInt16BE(1, 2);
  writeU32(bye, 4, ssrc);
  // §6.1: a compound packet starts with SR/RR and carries a CNAME, even around a BYE.
  return Buffer.concat([rr, sdes, bye]);
}

function buildSdes(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname.slice(0, 255), 'utf8');
  const itemLen = 2 + text.length + 1; // CNAME item + END
  const chunkLen = 4 + Math.ceil(itemLen / 4) * 4;
  const out = Buffer.alloc(4 + chunkLen);
  out[0] = 0x81;
  out[1] = PT_SDES;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  writeU32(out, 4, ssrc);
  out[8] = 1; // CNAME
  out[9] = text.length;
  text.copy(out, 10);
  return out;
}

function writeBlock(out: Buffer, o: number, b: ReportBlock): void {
  writeU32(out, o, b.ssrc);
  writeU32(out, o + 4, ((b.fractionLost & 0xff) << 24) | (b.cumulativeLost & 0xffffff));
  writeU32(out, o + 8, b.highestSeq);
  writeU32(out, o + 12, b.jitter);
  writeU32(out, o + 16, b.lsr);
  writeU32(out, o + 20, b.dlsr);
}

/** Parses a compound packet; false when it is not valid RTCP (§6.1 validity checks, simplified). */
export function parseCompound(buf: Uint8Array, out: RtcpParsed): boolean {
  out.isSr = false;
  out.blocks.length = 0;
  let o = 0;
  let first = true;
  while (o + 4 <= buf.length) {
    if (buf[o] >>> 6 !== 2) return false;
    const count = buf[o] & 0x1f;
    const pt = buf[o + 1];
    const len = (((buf[o + 2] << 8) | buf[o + 3]) + 1) * 4;
    if (o + len > buf.length) return false;
    if (first && pt !== PT_SR && pt !== PT_RR) return false;
    first = false;
    if (pt === PT_SR || pt === PT_RR) {
      if (!parseReport(buf, o, len, pt === PT_SR, count, out)) return false;
    }
    o += len;
  }
  return o === buf.length && !first;
}

function parseReport(buf: Uint8Array, o: number, len: number, isSr: boolean, count: number, out: RtcpParsed): boolean {
  const blocksAt = o + (isSr ? 28 : 8);
  if (blocksAt + count * 24 > o + len) return false;
  out.senderSsrc = readU32(buf, o + 4);
  if (isSr) {
    out.isSr = true;
    out.ntpMiddle = (((readU32(buf, o + 8) & 0xffff) << 16) | (readU32(buf, o + 12) >>> 16)) >>> 0;
  }
  for (let i = 0; i < count; i++) {
    const b = blocksAt + i * 24;
    const lostWord = readU32(buf, b + 4);
    out.blocks.push({
      ssrc: readU32(buf, b),
      fractionLost: lostWord >>> 24,
      cumulativeLost: ((lostWord & 0xffffff) << 8) >> 8,
      highestSeq: readU32(buf, b + 8),
      jitter: readU32(buf, b + 12),
      lsr: readU32(buf, b + 16),
      dlsr: readU32(buf, b + 20),
    });
  }
  return true;
}
