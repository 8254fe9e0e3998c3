/**
 * NTP timestamps for RTCP (RFC 3550 §4): 32-bit seconds since 1900 plus a 32-bit fraction. The
 * "middle 32 bits" (16.16 fixed-point seconds) are what LSR and DLSR carry (§6.4.1).
 */

const NTP_UNIX_OFFSET_S = 2208988800; // 1900-01-01 → 1970-01-01
const TWO_32 = 4294967296;

export interface NtpTime {
  /** Seconds since 1900 (mod 2^32). */
  msw: number;
  /** Fraction of a second in units of 2^−32 s. */
  lsw: number;
}

export function createNtpTime(): NtpTime {
  return { msw: 0, lsw: 0 };
}

/** Convert wall-clock Unix milliseconds (fractions allowed) into `out`. */
export function ntpFromUnixMs(unixMs: number, out: NtpTime): NtpTime {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = (unixMs - seconds * 1000) / 1000;
  out.msw = (seconds + NTP_UNIX_OFFSET_S) >>> 0;
  out.lsw = Math.floor(fraction * TWO_32) >>> 0;
  return out;
}

/** The middle 32 bits of a 64-bit NTP timestamp: 16 bits of seconds, 16 of fraction. */
export function ntpMiddle(msw: number, lsw: number): number {
  return (((msw & 0xffff) << 16) | (lsw >>> 16)) >>> 0;
}

/** Middle 32 bits of the NTP time for `unixMs`, without an intermediate object. */
export function ntpMiddleFromUnixMs(unixMs: number): number {
  const units = Math.floor(((unixMs / 1000 + NTP_UNIX_OFFSET_S) * 65536) % TWO_32);
  return units >>> 0;
}

/** Milliseconds → 1/65536 s units (the DLSR unit), as an unsigned 32-bit value. */
export function msToNtpShort(ms: number): number {
  return Math.round((ms * 65536) / 1000) >>> 0;
}

/** 1/65536 s units → milliseconds. */
export function ntpShortToMs(units: number): number {
  return (units * 1000) / 65536;
}

/**
 * Round-trip time per §6.4.1: A − LSR − DLSR, all in 1/65536 s, modulo 2^32, where A is the
 * middle 32 bits of the NTP time the report arrived. Null when the report carries no LSR (the
 * peer has not received an SR from us yet) or the result is implausible (clock step).
 */
export function roundTripMs(arrivalMiddle: number, lsr: number, dlsr: number): number | null {
  if (lsr === 0) return null;
  const rtt = (arrivalMiddle - lsr - dlsr) >>> 0;
  // More than half the 2^32 range (≈ 9 h) means A < LSR + DLSR: not a real round trip.
  if (rtt > 0x7fffffff) return null;
  return ntpShortToMs(rtt);
}
