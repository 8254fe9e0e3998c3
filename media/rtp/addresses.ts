/**
 * Can a peer be reached at the address its SDP names? A phone behind NAT writes its own private
 * address into `c=` (RFC 1918, CGNAT 100.64/10 of RFC 6598, link-local); its packets then come
 * from the NAT's public side, which is where the INVITE came from too. That combination is the
 * only one in which the media latch may follow packets away from the SDP address (latch.ts).
 * Called once per remote description, never per packet.
 */
import { isIP } from 'node:net';

/** `::ffff:192.0.2.1` → `192.0.2.1`: dgram reports IPv4 sources of an IPv4 socket dotted. */
export function plainAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

function ipv4Octets(address: string): number[] | null {
  if (isIP(address) !== 4) return null;
  return address.split('.').map(Number);
}

export function isLoopback(address: string): boolean {
  const plain = plainAddress(address);
  const v4 = ipv4Octets(plain);
  return v4 ? v4[0] === 127 : plain === '::1';
}

/** Not routable from the internet: private, shared (CGNAT), link-local, unspecified or loopback. */
function isNonPublic(address: string): boolean {
  const v4 = ipv4Octets(address);
  if (v4) {
    const [a, b] = v4;
    return (
      a === 0 || // 0.0.0.0/8, incl. RFC 2543 hold's c=0.0.0.0
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) || // RFC 6598 shared address space
      (a === 169 && b === 254)
    );
  }
  if (isIP(address) !== 6) return false;
  const head = parseInt(address.split(':')[0] || '0', 16);
  return address === '::' || address === '::1' || (head & 0xfe00) === 0xfc00 || (head & 0xffc0) === 0xfe80;
}

/**
 * True when the SDP address says "behind NAT": it is not publicly routable and differs from the
 * signalling source. A loopback SDP address counts only when the signalling source is not
 * loopback itself (a local softphone or test UA names its real address).
 */
export function isBehindNat(sdpAddress: string, signalAddress: string): boolean {
  const sdp = plainAddress(sdpAddress);
  const signal = plainAddress(signalAddress);
  if (isIP(signal) === 0 || sdp === signal) return false;
  if (isLoopback(sdp) && isLoopback(signal)) return false;
  return isNonPublic(sdp);
}
