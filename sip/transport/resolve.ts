/**
 * Where to send a request addressed to a URI (RFC 3263, reduced): the `maddr` or host, the
 * explicit port or 5060, the `transport` parameter or UDP. Host names are resolved with the
 * system resolver (A/AAAA); SRV and NAPTR lookups are not done in v1.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipUri } from '../message/types.js';
import { TransportError, type Destination, type TransportProtocol } from './types.js';

export async function resolveUri(uri: SipUri, transport?: TransportProtocol): Promise<Destination> {
  const protocol = transport ?? transportOf(uri);
  const maddr = uri.params.maddr;
  const host = typeof maddr === 'string' && maddr !== '' ? maddr : uri.host;
  const port = uri.port ?? 5060;
  if (isIP(host)) return { transport: protocol, address: host, port };
  try {
    const { address } = await lookup(host);
    return { transport: protocol, address, port };
  } catch (err) {
    throw new TransportError('cannot resolve host', { transport: protocol, address: host, port }, { cause: err });
  }
}

/** The `transport` URI parameter (RFC 3261 §19.1.1); sips: implies a reliable transport. */
export function transportOf(uri: SipUri): TransportProtocol {
  const param = uri.params.transport;
  if (typeof param === 'string' && param.toLowerCase() === 'tcp') return 'tcp';
  if (uri.scheme === 'sips') return 'tcp';
  return 'udp';
}
