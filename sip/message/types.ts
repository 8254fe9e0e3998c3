/**
 * The SIP message model shared by every layer of `sip/` (RFC 3261 §7, §25).
 * Parsing lives in `parse.ts`, serialization in `serialize.ts`; header-value parsers
 * (Via, name-addr, CSeq, …) in `headers.ts`. Upper layers only ever see these types.
 */
import { unfoldValue } from './scan.js';

export type UriParams = Record<string, string | null>;

/** The body of every message without one: one shared buffer, as a zero-length buffer cannot be written to. */
export const NO_BODY: Buffer = Buffer.alloc(0);

/** sip:, sips: or tel: URI (RFC 3261 §19.1, RFC 3966). `params` keys are lower-cased. */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference without brackets. Empty for tel: URIs. */
  host: string;
  port?: number;
  params: UriParams;
  /** Read-only on a parsed URI (one shared object when it has none): edit a `cloneUri` copy. */
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

/** Header names as spelt on the wire (or by our code) → full lower-case name; bounded so that a peer's invented names cannot grow it. */
const NAME_CACHE = new Map<string, string>();
const NAME_CACHE_LIMIT = 2048;

function computeHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT_HEADER_NAMES[lower] ?? lower;
}

/** Full lower-case name of a header (compact forms expanded); a lookup for names seen before. */
export function normalizeHeaderName(name: string): string {
  let key = NAME_CACHE.get(name);
  if (key === undefined) {
    key = computeHeaderName(name);
    if (NAME_CACHE.size < NAME_CACHE_LIMIT) NAME_CACHE.set(name, key);
  }
  return key;
}

const CANONICAL_CACHE = new Map<string, string>();

export function canonicalHeaderName(lowerName: string): string {
  let out = CANONICAL_CACHE.get(lowerName);
  if (out === undefined) {
    out =
      CANONICAL_NAMES[lowerName] ??
      lowerName.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
    if (CANONICAL_CACHE.size < NAME_CACHE_LIMIT) CANONICAL_CACHE.set(lowerName, out);
  }
  return out;
}

/** A parsed view of a header set (e.g. "every Via, parsed"), computed once and cached on it. */
export type HeaderView<T> = (headers: SipHeaders) => T;

/**
 * Case-insensitive, order-preserving header collection. Names are stored in their full
 * lower-case form (compact forms expanded). Each entry holds one header *value*; a header
 * line carrying a comma-separated list (Via, Route, Contact …) is split by the parser into
 * several values so that `getAll('via')[0]` is always the top-most Via.
 *
 * Values stay raw text; parsed forms (`view`) are computed on first access and cached until the
 * next change to the collection. Cached parsed values are shared: callers must not mutate them.
 */
export class SipHeaders {
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  /** Entries the parser left folded (true), unfolded on first read: most are never read raw. */
  private folded: boolean[] | undefined;
  // A handful of views per message: two small arrays beat a Map per message.
  private viewKeys: Array<HeaderView<unknown>> | undefined;
  private viewValues: unknown[] | undefined;

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** Number of values (a list header split by the parser counts once per element). */
  get size(): number {
    return this.names.length;
  }

  /** First value of a header, or undefined. */
  get(name: string): string | undefined {
    const key = normalizeHeaderName(name);
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === key) return this.valueAt(i);
    return undefined;
  }

  getAll(name: string): string[] {
    const key = normalizeHeaderName(name);
    const values: string[] = [];
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === key) values.push(this.valueAt(i));
    return values;
  }

  /** How many values a header has. */
  count(name: string): number {
    const key = normalizeHeaderName(name);
    let n = 0;
    for (const x of this.names) if (x === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  append(name: string, value: string): this {
    return this.appendNormalized(normalizeHeaderName(name), value);
  }

  /** `append` for a name already in its full lower-case form (the parser's fast path). */
  appendNormalized(key: string, value: string): this {
    this.viewKeys = undefined;
    this.names.push(key);
    this.values.push(value);
    return this;
  }

  /** `appendNormalized` of a value that may hold folds (the parser's raw text), unfolded when first read. */
  appendFolded(key: string, raw: string): this {
    (this.folded ??= [])[this.names.length] = true;
    return this.appendNormalized(key, raw);
  }

  /** Adds a value before every existing value of that header (a proxy's new top Via). */
  prepend(name: string, value: string): this {
    const key = normalizeHeaderName(name);
    const index = this.names.indexOf(key);
    this.insert(index === -1 ? this.names.length : index, key, value);
    return this;
  }

  /** Replaces every value of a header with one value, keeping its first position. */
  set(name: string, value: string): this {
    const key = normalizeHeaderName(name);
    const index = this.names.indexOf(key);
    this.delete(key);
    this.insert(index === -1 ? this.names.length : index, key, value);
    return this;
  }

  delete(name: string): this {
    const key = normalizeHeaderName(name);
    this.unfoldAll();
    this.viewKeys = undefined;
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (this.names[i] === key) {
        this.names.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
    return this;
  }

  /** Lower-case name and value of the i-th entry in wire order (no tuple allocated). */
  nameAt(i: number): string {
    return this.names[i];
  }

  /** The i-th value as received: folds still in it (for the parser, whose value scanners read a fold as LWS). */
  rawValueAt(i: number): string {
    return this.values[i];
  }

  valueAt(i: number): string {
    const folded = this.folded;
    if (folded !== undefined && folded[i] === true) {
      folded[i] = false;
      this.values[i] = unfoldValue(this.values[i]);
    }
    return this.values[i];
  }

  /** The parsed view `view` of these headers, computed on first access and then cached. */
  view<T>(view: HeaderView<T>): T {
    const keys = this.viewKeys;
    if (keys !== undefined) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === view) return this.viewValues![i] as T;
    }
    const value = view(this);
    this.setView(view, value);
    return value;
  }

  /** Records a view the parser already computed while validating (so it is not parsed twice). */
  setView<T>(view: HeaderView<T>, value: T): void {
    if (this.viewKeys === undefined) {
      this.viewKeys = [];
      this.viewValues = [];
    }
    this.viewKeys.push(view as HeaderView<unknown>);
    this.viewValues!.push(value);
  }

  /** [lower-case name, value] pairs in wire order. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i], this.valueAt(i)];
  }

  clone(): SipHeaders {
    this.unfoldAll();
    const copy = new SipHeaders();
    copy.names.push(...this.names);
    copy.values.push(...this.values);
    return copy;
  }

  /** Before entries move: the folded marks follow positions. */
  private unfoldAll(): void {
    if (this.folded === undefined) return;
    for (let i = 0; i < this.names.length; i++) this.valueAt(i);
    this.folded = undefined;
  }

  private insert(index: number, key: string, value: string): void {
    this.unfoldAll();
    this.viewKeys = undefined;
    this.names.splice(index, 0, key);
    this.values.splice(index, 0, value);
  }
}
