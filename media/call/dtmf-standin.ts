/**
 * STAND-IN until `media/dtmf/` lands: the smallest RFC 4733 receiver that reports each key press
 * once. An event is identified by its RTP timestamp (§2.5.1.2: every packet of one event carries
 * the event's start timestamp), so retransmitted end packets are not new digits.
 */
const DIGITS = '0123456789*#ABCD';

export class DtmfReceiverStandIn {
  private lastTimestamp = -1;
  digits = 0;

  constructor(private readonly onDigit: (digit: string) => void) {}

  push(payload: Uint8Array, timestamp: number): void {
    if (payload.length < 4) return;
    const event = payload[0];
    if (event >= DIGITS.length || timestamp === this.lastTimestamp) return;
    this.lastTimestamp = timestamp;
    this.digits++;
    this.onDigit(DIGITS[event]);
  }
}
