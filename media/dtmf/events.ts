/**
 * RFC 4733 telephone-event payload (§2.3): event (8 bits), E (end) bit, R bit, volume (6 bits,
 * −dBm0), duration (16 bits, RTP timestamp units). DTMF events 0–15 and flash (16) (§3.2).
 */

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D' | 'flash';

/** Event code → digit, in code order (RFC 4733 §3.2 Table 7). */
const DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D', 'flash'];

export const TELEPHONE_EVENT_PAYLOAD_SIZE = 4;
export const MAX_EVENT_CODE = 16;

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** Power level as −dBm0, 0–63 (§2.3.4). */
  volume: number;
  /** Duration so far in RTP timestamp units (§2.3.5). */
  duration: number;
}

export function createTelephoneEvent(): TelephoneEvent {
  return { event: 0, end: false, volume: 0, duration: 0 };
}

/** The digit of an event code, or undefined for codes outside DTMF + flash. */
export function dtmfDigit(code: number): DtmfDigit | undefined {
  return DIGITS[code];
}

/** The event code of a digit (case-insensitive for A–D), or −1. */
export function dtmfEventCode(digit: string): number {
  if (digit === 'flash') return 16;
  return DIGITS.indexOf(digit.length === 1 ? (digit.toUpperCase() as DtmfDigit) : ('?' as DtmfDigit));
}

/**
 * Parse a telephone-event payload into `out`. False when it is shorter than 4 bytes; a payload
 * may carry several 4-byte events (§2.5.1.5 redundancy) of which the first is read.
 */
export function parseTelephoneEvent(payload: Uint8Array, out: TelephoneEvent): boolean {
  if (payload.length < TELEPHONE_EVENT_PAYLOAD_SIZE) return false;
  out.event = payload[0];
  out.end = (payload[1] & 0x80) !== 0;
  out.volume = payload[1] & 0x3f;
  out.duration = (payload[2] << 8) | payload[3];
  return true;
}

/** Write one 4-byte telephone-event payload at `offset`. Returns 4. */
export function writeTelephoneEvent(out: Uint8Array, offset: number, event: number, end: boolean, volume: number, duration: number): number {
  out[offset] = event & 0xff;
  out[offset + 1] = (end ? 0x80 : 0) | (volume & 0x3f); // R bit stays 0 (§2.3.3)
  out[offset + 2] = (duration >>> 8) & 0xff;
  out[offset + 3] = duration & 0xff;
  return TELEPHONE_EVENT_PAYLOAD_SIZE;
}
