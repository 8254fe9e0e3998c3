/**
 * Trunk hosts: a DNS name (RFC 1123 §2.1 labels) or an IP address, never with a port or scheme
 * (the port has its own field). Returns the canonical form (lower case, IPv6 without brackets)
 * or null.
 */
import { isIP } from 'node:net';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function normaliseTrunkHost(input: string): string | null {
  let host = input.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIP(host) !== 0) return host;
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return null;
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return null;
  // "999.1.1.1" passes the label rule but is neither an address nor a plausible name.
  if (/^\d+$/.test(labels[labels.length - 1])) return null;
  return host;
}

/** A hint for the most common mistakes, for the error message. */
export function trunkHostHint(input: string): string {
  if (/^[a-z]+:/i.test(input) && !input.includes('::')) return 'give the host only, without a scheme such as sip:';
  if (/:\d+$/.test(input) && isIP(input) === 0) return 'give the port in the port field, not in host';
  return 'must be a hostname or an IP address';
}
