/**
 * The SIP message model shared by every layer of `sip/` (RFC 3261 §7, §25).
 * Parsing lives in `parse.ts`, serialization in `serialize.ts`; header-value parsers
 * (Via, name-addr, CSeq, …) in `headers.ts`. Upper layers only ever see these types.
 */

export type UriParams = Record<string, string | null>;

/** sip:, sips: or tel: URI (RFC 3261 §19.1, RFC 3966). `params` keys are lower-cased. */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference without brackets. Empty for tel: URIs. */
  host: string;
  port?: number;
  params: UriParams;
  headers: Record<string, string>;
}

/** name-addr / addr-spec with header parameters, as in From, To, Contact, Route (RFC 3261 §20.10). */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  params: UriParams;
}

/** One Via value (RFC 3261 §20.42, RFC 3581). `params` keys are lower-cased. */
export interface Via {
  protocol: string; // "SIP/2.0"
  transport: string; // "UDP", "TCP", "TLS", "WS" … upper-cased
  host: string;
  port?: number;
  params: UriParams; // branch, received, rport, maddr, ttl …
}

export interface CSeq {
  seq: number;
  method: string;
}

interface MessageBase {
  headers: SipHeaders;
  body: Buffer;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  uri: SipUri;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §7.3.3 compact forms, mapped to their full names. */
export const COMPACT_HEADER_NAMES: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  r: 'refer-to', // RFC 3515
  b: 'referred-by', // RFC 3892
  o: 'event', // RFC 6665
  u: 'allow-events', // RFC 6665
  x: 'session-expires', // RFC 4028
  a: 'accept-contact', // RFC 3841
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
};

/** Canonical spellings used when serializing; anything else is Title-Cased. */
const CANONICAL_NAMES: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rseq': 'RSeq',
  'rack': 'RAck',
  'min-se': 'Min-SE',
};

export function normalizeHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT_HEADER_NAMES[lower] ?? lower;
}

export function canonicalHeaderName(lowerName: string): string {
  return (
    CANONICAL_NAMES[lowerName] ??
    lowerName.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase())
  );
}

/**
 * Case-insensitive, order-preserving header collection. Names are stored in their full
 * lower-case form (compact forms expanded). Each entry holds one header *value*; a header
 * line carrying a comma-separated list (Via, Route, Contact …) is split by the parser into
 * several values so that `getAll('via')[0]` is always the top-most Via.
 */
export class SipHeaders {
  private readonly entries: Array<[name: string, value: string]> = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** First value of a header, or undefined. */
  get(name: string): string | undefined {
    const key = normalizeHeaderName(name);
    for (const [n, v] of this.entries) if (n === key) return v;
    return undefined;
  }

  getAll(name: string): string[] {
    const key = normalizeHeaderName(name);
    const values: string[] = [];
    for (const [n, v] of this.entries) if (n === key) values.push(v);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  append(name: string, value: string): this {
    this.entries.push([normalizeHeaderName(name), value]);
    return this;
  }

  /** Adds a value before every existing value of that header (a proxy's new top Via). */
  prepend(name: string, value: string): this {
    const key = normalizeHeaderName(name);
    const index = this.entries.findIndex(([n]) => n === key);
    if (index === -1) this.entries.push([key, value]);
    else this.entries.splice(index, 0, [key, value]);
    return this;
  }

  /** Replaces every value of a header with one value, keeping its first position. */
  set(name: string, value: string): this {
    const key = normalizeHeaderName(name);
    const index = this.entries.findIndex(([n]) => n === key);
    this.delete(key);
    if (index === -1) this.entries.push([key, value]);
    else this.entries.splice(index, 0, [key, value]);
    return this;
  }

  delete(name: string): this {
    const key = normalizeHeaderName(name);
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i][0] === key) this.entries.splice(i, 1);
    return this;
  }

  /** [lower-case name, value] pairs in wire order. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries[Symbol.iterator]();
  }

  clone(): SipHeaders {
    return new SipHeaders(this.entries);
  }
}
