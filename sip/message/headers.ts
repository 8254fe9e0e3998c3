/**
 * Header-value parsers (RFC 3261 §20, §25.1) and typed getters over a parsed message.
 * Every parser returns `undefined` for input it cannot read; none throws.
 */
import type { CSeq, NameAddr, SipMessage, SipUri, UriParams, Via } from './types.js';
import type { HeaderView, SipHeaders } from './types.js';
import { SpellingTable, isHostname, isToken, isTokenChar, isUricString, isWsp, scanQuoted, scanToken, skipWs, trimWs, unquote } from './scan.js';
import { parseUri, uriScheme } from './uri.js';

export { parseUri, serializeUri, uriScheme, cloneUri } from './uri.js';

/** RFC 3261 §8.1.1.5: the CSeq sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/**
 * Parses `;name[=value]` generic parameters (RFC 3261 §25.1 generic-param) starting at `i`,
 * allowing LWS around `;` and `=`. Values may be tokens, hosts (IPv6 in brackets) or quoted
 * strings (kept with their quotes). Names are lower-cased. Returns the params and the index
 * where parsing stopped, or undefined on a malformed list (e.g. ";;", RFC 4475 §3.1.2.1).
 */
/** Parameter-name spellings (always tokens here) → lower-case name, without a slice per name. */
const PARAM_NAMES = new SpellingTable(1024);

export function scanParams(s: string, i: number): { params: UriParams; end: number } | undefined {
  const params: UriParams = {};
  for (;;) {
    i = skipWs(s, i);
    if (i >= s.length || s.charCodeAt(i) !== 0x3b) return { params, end: i };
    i = skipWs(s, i + 1);
    const nameEnd = scanToken(s, i);
    if (nameEnd === i) return undefined;
    let name = PARAM_NAMES.find(s, i, nameEnd);
    if (name === undefined) {
      const spelling = s.slice(i, nameEnd);
      name = spelling.toLowerCase();
      PARAM_NAMES.add(spelling, name);
    }
    i = skipWs(s, nameEnd);
    let value: string | null = null;
    if (s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      const end = scanParamValue(s, i);
      if (end === i) return undefined;
      value = s.slice(i, end);
      i = end;
    }
    params[name] = value;
  }
}

function scanParamValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) {
    const end = scanQuoted(s, i);
    return end === -1 ? i : end;
  }
  if (c === 0x5b) {
    const close = s.indexOf(']', i);
    return close === -1 ? i : close + 1;
  }
  // token, plus ':' for host:port style values some stacks send unquoted
  for (let c = s.charCodeAt(i); i < s.length && (isTokenChar(c) || c === 0x3a); c = s.charCodeAt(++i));
  return i;
}

/** Parses a whole string of `;a=b;c` parameters. */
export function parseParams(s: string): UriParams | undefined {
  const r = scanParams(s, 0);
  return r && skipWs(s, r.end) === s.length ? r.params : undefined;
}

/** The syntactic parts of a name-addr / addr-spec, with the URI left as text. */
export interface NameAddrParts {
  displayName?: string;
  uriText: string;
  params: UriParams;
}

function scanDisplayName(s: string): { displayName?: string; end: number } | undefined {
  const i = skipWs(s, 0);
  if (s[i] === '"') {
    const end = scanQuoted(s, i);
    if (end === -1) return undefined; // RFC 4475 §3.1.2.6 quotbal
    const after = skipWs(s, end);
    if (s[after] !== '<') return undefined;
    return { displayName: unquote(s.slice(i, end)), end: after };
  }
  const lt = s.indexOf('<', i);
  if (lt === -1) return { end: -1 };
  // display-name = *(token LWS): unquoted commas etc. are errors (RFC 4475 §3.1.2.15 baddn).
  // RFC 4475 §3.1.1.6 lwsdisp: no LWS before '<' is accepted.
  for (let j = i; j < lt; j++) {
    const c = s.charCodeAt(j);
    if (!isTokenChar(c) && !isWsp(c)) return undefined;
  }
  const name = trimWs(s.slice(i, lt));
  return { displayName: name === '' ? undefined : name, end: lt };
}

interface ScannedNameAddr {
  parts: NameAddrParts;
  /** The parsed URI for sip:, sips: and tel:; undefined for a valid foreign scheme. */
  uri?: SipUri;
}

function scanNameAddr(s: string): ScannedNameAddr | undefined {
  const dn = scanDisplayName(s);
  if (!dn) return undefined;
  let uriText: string;
  let i: number;
  if (dn.end >= 0) {
    const close = s.indexOf('>', dn.end);
    if (close === -1) return undefined;
    uriText = s.slice(dn.end + 1, close);
    // RFC 4475 §3.1.2.14 badaspec: no LWS inside the brackets.
    if (uriText === '' || isWsp(uriText.charCodeAt(0)) || isWsp(uriText.charCodeAt(uriText.length - 1))) return undefined;
    i = close + 1;
  } else {
    const start = skipWs(s, 0);
    let end = start;
    while (end < s.length && s[end] !== ';' && !isWsp(s.charCodeAt(end))) end++;
    uriText = s.slice(start, end);
    if (uriText === '' || uriText.indexOf('?') !== -1 || uriText.indexOf(',') !== -1) return undefined;
    i = end;
  }
  // absoluteURI (RFC 3261 §25.1): sip/sips/tel must parse; foreign schemes only need uric chars.
  const scheme = uriScheme(uriText);
  if (!scheme) return undefined;
  let uri: SipUri | undefined;
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') {
    uri = parseUri(uriText);
    if (!uri) return undefined;
  } else if (!isUricString(uriText.slice(scheme.length + 1))) return undefined;
  const p = i === s.length ? { params: {}, end: i } : scanParams(s, i);
  if (!p || skipWs(s, p.end) !== s.length) return undefined;
  return { parts: { displayName: dn.displayName, uriText, params: p.params }, uri };
}

/**
 * Splits a name-addr or addr-spec (RFC 3261 §20.10) without interpreting the URI, so that
 * foreign schemes (`isbn:…`, `http:…`, RFC 4475 §3.3.4) still parse. For a bare addr-spec the
 * `;params` belong to the header, and the URI may contain neither `?` nor `,` (RFC 4475
 * §3.1.2.13 regbadct).
 */
export function splitNameAddr(s: string): NameAddrParts | undefined {
  return scanNameAddr(s)?.parts;
}

/**
 * Validates a name-addr / addr-spec in one pass: undefined when malformed, null when valid with
 * a foreign scheme, the parsed NameAddr for sip:, sips: and tel:.
 */
export function readNameAddr(s: string): NameAddr | null | undefined {
  const scanned = scanNameAddr(s);
  if (!scanned) return undefined;
  if (!scanned.uri) return null;
  const out: NameAddr = { uri: scanned.uri, params: scanned.parts.params };
  if (scanned.parts.displayName !== undefined) out.displayName = scanned.parts.displayName;
  return out;
}

/** Parses a name-addr / addr-spec whose URI is sip:, sips: or tel:. */
export function parseNameAddr(s: string): NameAddr | undefined {
  return readNameAddr(s) ?? undefined;
}

function scanSlash(s: string, i: number): number {
  i = skipWs(s, i);
  return s[i] === '/' ? skipWs(s, i + 1) : -1;
}

function scanSentBy(s: string, i: number): { host: string; port?: number; end: number } | undefined {
  let host: string;
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close === -1) return undefined;
    host = s.slice(i + 1, close);
    i = close + 1;
  } else {
    const start = i;
    while (i < s.length && s[i] !== ':' && s[i] !== ';' && s[i] !== ',' && !isWsp(s.charCodeAt(i))) i++;
    host = s.slice(start, i);
    if (!isHostname(host)) return undefined;
  }
  let j = skipWs(s, i);
  if (s[j] !== ':') return { host, end: i };
  j = skipWs(s, j + 1);
  const start = j;
  while (j < s.length && j - start <= 5 && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
  const port = Number(s.slice(start, j));
  if (j === start || j - start > 5 || port > 65535) return undefined;
  return { host, port, end: j };
}

/** Parses one Via value (RFC 3261 §20.42), tolerating LWS around '/' (RFC 4475 §3.1.1.1). */
export function parseVia(s: string): Via | undefined {
  let i = skipWs(s, 0);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, scanned in place.
  const nameEnd = scanToken(s, i);
  if (nameEnd === i) return undefined;
  const nameStart = i;
  i = scanSlash(s, nameEnd);
  if (i < 0) return undefined;
  const versionEnd = scanToken(s, i);
  if (versionEnd === i) return undefined;
  const versionStart = i;
  i = scanSlash(s, versionEnd);
  if (i < 0) return undefined;
  const transportEnd = scanToken(s, i);
  if (transportEnd === i) return undefined;
  const transportStart = i;
  i = transportEnd;
  const hostStart = skipWs(s, i);
  if (hostStart === i) return undefined; // LWS is required before sent-by
  const sentBy = scanSentBy(s, hostStart);
  if (!sentBy) return undefined;
  const p = scanParams(s, sentBy.end);
  if (!p || skipWs(s, p.end) !== s.length) return undefined;
  const via: Via = {
    protocol: sentProtocol(s, nameStart, nameEnd, versionStart, versionEnd),
    transport: transportName(s, transportStart, transportEnd),
    host: sentBy.host,
    params: p.params,
  };
  if (sentBy.port !== undefined) via.port = sentBy.port;
  return via;
}

/** "SIP/2.0" (the only version there is) without building a string per Via. */
function sentProtocol(s: string, nameStart: number, nameEnd: number, versionStart: number, versionEnd: number): string {
  const name = s.slice(nameStart, nameEnd).toUpperCase();
  const version = s.slice(versionStart, versionEnd);
  return name === 'SIP' && version === '2.0' ? 'SIP/2.0' : `${name}/${version}`;
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'];

/** The upper-cased transport, as a shared constant for the usual ones. */
function transportName(s: string, start: number, end: number): string {
  for (const t of TRANSPORTS) if (end - start === t.length && s.startsWith(t, start)) return t;
  return s.slice(start, end).toUpperCase();
}

/** Parses `CSeq: 1*DIGIT LWS Method`; rejects sequence numbers ≥ 2**31 (RFC 4475 §3.1.2.4). */
export function parseCSeq(s: string): CSeq | undefined {
  const i = skipWs(s, 0);
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
  if (j === i || j - i > 12) return undefined;
  const seq = Number(s.slice(i, j));
  if (seq > MAX_CSEQ) return undefined;
  const m = skipWs(s, j);
  if (m === j) return undefined;
  const method = trimWs(s.slice(m));
  return isToken(method) ? { seq, method } : undefined;
}

/** Parses a bounded non-negative integer header value such as Max-Forwards or Expires. */
export function parseUnsigned(s: string | undefined, max: number): number | undefined {
  if (s === undefined) return undefined;
  const t = trimWs(s);
  if (!/^\d{1,10}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= max ? n : undefined;
}

// ---- typed getters -------------------------------------------------------------------
// Each getter reads a view cached on the header set (`SipHeaders.view`): the parser fills the
// views it computed while validating, so a getter costs a lookup after `parseMessage`.

const viasView: HeaderView<Via[] | undefined> = (h) => {
  const out: Via[] = [];
  for (const v of h.getAll('via')) {
    const via = parseVia(v);
    if (!via) return undefined;
    out.push(via);
  }
  return out;
};

const topViaView: HeaderView<Via | undefined> = (h) => {
  const v = h.get('via');
  return v === undefined ? undefined : parseVia(v);
};

const cseqView: HeaderView<CSeq | undefined> = (h) => {
  const v = h.get('cseq');
  return v === undefined ? undefined : parseCSeq(v);
};

const fromView: HeaderView<NameAddr | undefined> = (h) => {
  const v = h.get('from');
  return v === undefined ? undefined : parseNameAddr(v);
};

const toView: HeaderView<NameAddr | undefined> = (h) => {
  const v = h.get('to');
  return v === undefined ? undefined : parseNameAddr(v);
};

const contactsView: HeaderView<Array<NameAddr | '*'> | undefined> = (h) => {
  const out: Array<NameAddr | '*'> = [];
  for (const v of h.getAll('contact')) {
    if (trimWs(v) === '*') {
      out.push('*');
      continue;
    }
    const na = parseNameAddr(v);
    if (!na) return undefined;
    out.push(na);
  }
  return out;
};

const routeList = (name: 'route' | 'record-route'): HeaderView<NameAddr[] | undefined> => (h) => {
  const out: NameAddr[] = [];
  for (const v of h.getAll(name)) {
    const na = parseNameAddr(v);
    if (!na) return undefined;
    out.push(na);
  }
  return out;
};
const routeView = routeList('route');
const recordRouteView = routeList('record-route');

/** Views the parser fills while validating (parse.ts). */
export const VIEWS = { vias: viasView, topVia: topViaView, cseq: cseqView, from: fromView, to: toView, contacts: contactsView } as const;

export function getTopVia(msg: SipMessage): Via | undefined {
  return msg.headers.view(topViaView);
}

export function getVias(msg: SipMessage): Via[] | undefined {
  return msg.headers.view(viasView);
}

export function getCallId(msg: SipMessage): string | undefined {
  const v = msg.headers.get('call-id');
  if (v === undefined) return undefined;
  return v === '' ? undefined : v;
}

export function getCSeq(msg: SipMessage): CSeq | undefined {
  return msg.headers.view(cseqView);
}

export function getFrom(msg: SipMessage): NameAddr | undefined {
  return msg.headers.view(fromView);
}

export function getTo(msg: SipMessage): NameAddr | undefined {
  return msg.headers.view(toView);
}

/** The parsed first To of a header set (cached like `getTo`). */
export function toOfHeaders(headers: SipHeaders): NameAddr | undefined {
  return headers.view(toView);
}

/** The Contact values; `'*'` for the REGISTER wildcard (RFC 3261 §10.2.2). */
export function getContacts(msg: SipMessage): Array<NameAddr | '*'> | undefined {
  return msg.headers.view(contactsView);
}

/** Route or Record-Route entries in order. */
export function getRoutes(msg: SipMessage, name: 'route' | 'record-route' = 'route'): NameAddr[] | undefined {
  return msg.headers.view(name === 'route' ? routeView : recordRouteView);
}

/** Max-Forwards (0–255), undefined when absent or out of range (RFC 4475 §3.1.2.4). */
export function getMaxForwards(msg: SipMessage): number | undefined {
  return parseUnsigned(msg.headers.get('max-forwards'), 255);
}

/** The `tag` parameter of a From/To value, or of the named header of a message. */
export function getTag(value: NameAddr | SipMessage | undefined, header: 'from' | 'to' = 'from'): string | undefined {
  if (!value) return undefined;
  const na = 'kind' in value ? (header === 'from' ? getFrom(value) : getTo(value)) : value;
  const tag = na?.params.tag;
  return tag === null || tag === undefined || tag === '' ? undefined : tag;
}

export const getFromTag = (msg: SipMessage): string | undefined => getTag(msg, 'from');
export const getToTag = (msg: SipMessage): string | undefined => getTag(msg, 'to');

/** Content-Type media type lower-cased without parameters (e.g. "application/sdp"). */
export function getContentType(msg: SipMessage): string | undefined {
  const v = msg.headers.get('content-type');
  if (v === undefined) return undefined;
  const semi = v.indexOf(';');
  return trimWs(semi === -1 ? v : v.slice(0, semi)).toLowerCase() || undefined;
}

export type { SipUri };
