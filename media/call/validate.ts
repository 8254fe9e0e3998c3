/**
 * Checks a remote media description from the main thread before a socket is pointed at it: the
 * main thread parsed the SDP, but a bad value here must fail one call, not throw in the clock.
 */
import { isIP } from 'node:net';
import type { RemoteMedia } from '../protocol.js';

export class BadMediaRequestError extends Error {
  readonly code = 'media/bad-request' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BadMediaRequestError';
  }
}

const CODECS = new Set(['PCMU', 'PCMA', 'opus']);
const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

function isPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
}

function isPayloadType(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 127;
}

export function validateRemote(remote: RemoteMedia): void {
  const problems: string[] = [];
  if (typeof remote.address !== 'string' || isIP(remote.address) === 0) problems.push('address is not an IP literal');
  if (!isPort(remote.port)) problems.push('bad port');
  if (remote.rtcpPort !== undefined && !isPort(remote.rtcpPort)) problems.push('bad rtcpPort');
  if (!isPayloadType(remote.payloadType)) problems.push('bad payloadType');
  if (!CODECS.has(remote.codec)) problems.push('unknown codec');
  if (!(remote.clockRate > 0)) problems.push('bad clockRate');
  if (remote.telephoneEventPt !== null && !isPayloadType(remote.telephoneEventPt)) problems.push('bad telephoneEventPt');
  if (!DIRECTIONS.has(remote.direction)) problems.push('bad direction');
  if (remote.signalAddress !== undefined && (typeof remote.signalAddress !== 'string' || isIP(remote.signalAddress) === 0)) problems.push('signalAddress is not an IP literal');
  if (problems.length > 0) throw new BadMediaRequestError(`invalid remote media: ${problems.join(', ')}`);
}
