/**
 * Webhook targets are checked against private networks (flireo-api A.4): a customer-supplied URL
 * must not let a tenant reach the engine's own network (SSRF). The check runs on the *resolved*
 * address at connect time (see http.ts), so a DNS name that later resolves to 127.0.0.1 is refused
 * too. `WEBHOOK_ALLOW_PRIVATE=true` lifts it (tests, on-premise customers).
 */
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
// IPv4 special-purpose ranges (RFC 6890 and successors).
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT, RFC 6598
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64, RFC 8215: translates into the operator's own network
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: tunnels to an address hidden in the bits, refused as a whole
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation, RFC 9637
  ['5f00::', 16], // SRv6 SIDs, RFC 9602
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (`::ffff:127.0.0.1` included). */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = dotted
    ? `${address.slice(0, dotted.index)}${((+dotted[1] << 8) | +dotted[2]).toString(16)}:${((+dotted[3] << 8) | +dotted[4]).toString(16)}`
    : address;
  const [head, tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

const ipv4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
const allZero = (groups: number[]) => groups.every((g) => g === 0);

/**
 * The IPv4 address an IPv6 address carries, judged as IPv4 so that `[::ffff:127.0.0.1]` is as
 * private as 127.0.0.1: IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96` (deprecated, still
 * parsed), SIIT `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96` (RFC 6052) and 6to4 `2002::/16`.
 */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const low32 = ipv4(g[6], g[7]);
  if (allZero(g.slice(0, 4))) {
    if (g[4] === 0 && g[5] === 0xffff) return low32; // mapped ::ffff:a.b.c.d
    if (g[4] === 0xffff && g[5] === 0) return low32; // SIIT ::ffff:0:a.b.c.d
    if (g[4] === 0 && g[5] === 0) return low32; // compatible ::a.b.c.d
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && allZero(g.slice(2, 6))) return low32; // NAT64 64:ff9b::a.b.c.d
  if (g[0] === 0x2002) return ipv4(g[1], g[2]); // 6to4 2002:AABB:CCDD::
  return null;
}

/** True when the address is loopback, private, link-local or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  // A zone id (`fe80::1%eth0`) only means something on a local link.
  if (address.includes('%')) return true;
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    if (blocked.check(address, 'ipv6')) return true;
    const v4 = embeddedIpv4(address);
    return v4 !== null && blocked.check(v4, 'ipv4');
  }
  // Not an address in canonical form (`0x7f.1`, `2130706433`): refuse rather than guess.
  return true;
}

export type TargetProblem = 'invalid-url' | 'unsupported-scheme' | 'private-address';

export class WebhookTargetError extends Error {
  constructor(
    readonly problem: TargetProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

/** Parses and pre-checks a target URL; literal private addresses are refused here, names at connect time. */
export function parseWebhookTarget(url: string, allowPrivate: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookTargetError('invalid-url', 'webhook URL is not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookTargetError('unsupported-scheme', `webhook URL scheme ${parsed.protocol} is not http(s)`);
  }
  // The WHATWG parser already rewrote `2130706433` and `0x7f.1` to 127.0.0.1; a trailing dot is the same name.
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (!allowPrivate && (isIP(host) !== 0 ? isPrivateAddress(host) : host === 'localhost' || host.endsWith('.localhost'))) {
    throw new WebhookTargetError('private-address', 'webhook URL points to a private or loopback address');
  }
  return parsed;
}
