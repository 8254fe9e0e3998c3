/**
 * Header-value parsers (RFC 3261 §20, §25.1) and typed getters over a parsed message.
 * Every parser returns `undefined` for input it cannot read; none throws.
 */
import type { CSeq, NameAddr, SipMessage, SipUri, UriParams, Via } from './types.js';
import type { HeaderView, SipHeaders } from './types.js';
import { SpellingTable, isDigit, isHostChar, isLwsAt, isTokenChar, isTokenIn, isUricString, scanQuoted, scanToken, skipWs, trimWs, unfoldValue, unquote } from './scan.js';
import { parseUriIn, uriScheme } from './uri.js';

export { parseUri, serializeUri, uriScheme, cloneUri } from './uri.js';

/** RFC 3261 §8.1.1.5: the CSeq sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/** Parameter-name spellings (always tokens here) → lower-case name, without a slice per name. */
const PARAM_NAMES = new SpellingTable(1024);

/**
 * Parses `;name[=value]` generic parameters (RFC 3261 §25.1 generic-param) of `s` from `i` up to
 * `end` into `params`, allowing LWS around `;` and `=`. Values may be tokens, hosts (IPv6 in
 * brackets) or quoted strings (kept with their quotes). Names are lower-cased. Returns the index
 * where parsing stopped, or -1 on a malformed list (e.g. ";;", RFC 4475 §3.1.2.1).
 */
function scanParamsInto(s: string, i: number, end: number, params: UriParams): number {
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end || s.charCodeAt(i) !== 0x3b) return i;
    i = skipWs(s, i + 1, end);
    const nameEnd = scanToken(s, i, end);
    if (nameEnd === i) return -1;
    let name = PARAM_NAMES.find(s, i, nameEnd);
    if (name === undefined) {
      const spelling = s.slice(i, nameEnd);
      name = spelling.toLowerCase();
      PARAM_NAMES.add(spelling, name);
    }
    i = skipWs(s, nameEnd, end);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1, end);
      const valueEnd = scanParamValue(s, i, end);
      if (valueEnd === i) return -1;
      value = s.charCodeAt(i) === 0x22 ? unfoldValue(s.slice(i, valueEnd)) : s.slice(i, valueEnd);
      i = valueEnd;
    }
    params[name] = value;
  }
}

/** `scanParamsInto` returning the params and the end index, or undefined on a malformed list. */
export function scanParams(s: string, i: number): { params: UriParams; end: number } | undefined {
  const params: UriParams = {};
  const end = scanParamsInto(s, i, s.length, params);
  return end === -1 ? undefined : { params, end };
}

function scanParamValue(s: string, i: number, end: number): number {
  if (i >= end) return i;
  const c = s.charCodeAt(i);
  if (c === 0x22) {
    const close = scanQuoted(s, i, end);
    return close === -1 ? i : close;
  }
  if (c === 0x5b) {
    const close = s.indexOf(']', i);
    return close === -1 || close >= end ? i : close + 1;
  }
  // token, plus ':' for host:port style values some stacks send unquoted
  while (i < end && (isTokenChar(s.charCodeAt(i)) || s.charCodeAt(i) === 0x3a)) i++;
  return i;
}

/** Parses a whole string of `;a=b;c` parameters. */
export function parseParams(s: string): UriParams | undefined {
  const params: UriParams = {};
  const end = scanParamsInto(s, 0, s.length, params);
  return end !== -1 && skipWs(s, end) === s.length ? params : undefined;
}

/** The syntactic parts of a name-addr / addr-spec, with the URI left as text. */
export interface NameAddrParts {
  displayName?: string;
  uriText: string;
  params: UriParams;
}

/** Where `scanNameAddr` found the parts of its input (one scratch object: the parser is synchronous). */
const found = {
  displayName: undefined as string | undefined,
  uriStart: 0,
  uriEnd: 0,
  /** The parsed URI for sip:, sips: and tel:; undefined for a valid foreign scheme. */
  uri: undefined as SipUri | undefined,
  params: {} as UriParams,
};

/** The display name in `s[i, lt)` before `<` (undefined when empty); false when malformed. */
function scanDisplayName(s: string, i: number, lt: number): string | undefined | false {
  // display-name = *(token LWS): unquoted commas etc. are errors (RFC 4475 §3.1.2.15 baddn).
  // RFC 4475 §3.1.1.6 lwsdisp: no LWS before '<' is accepted.
  let end = lt;
  for (let j = i; j < lt; j++) if (!isTokenChar(s.charCodeAt(j)) && !isLwsAt(s, j)) return false;
  while (end > i && isLwsAt(s, end - 1)) end--;
  return end === i ? undefined : unfoldValue(s.slice(i, end));
}

/** Scans the name-addr / addr-spec `s[from, to)` into `found`; false when malformed. */
function scanNameAddr(s: string, from: number, to: number): boolean {
  let i = skipWs(s, from, to);
  let lt: number;
  found.displayName = undefined;
  if (i < to && s.charCodeAt(i) === 0x22) {
    const end = scanQuoted(s, i, to);
    if (end === -1) return false; // RFC 4475 §3.1.2.6 quotbal
    lt = skipWs(s, end, to);
    if (lt >= to || s.charCodeAt(lt) !== 0x3c) return false;
    found.displayName = unquote(unfoldValue(s.slice(i, end)));
  } else {
    lt = s.indexOf('<', i);
    if (lt >= to) lt = -1;
    if (lt > i) {
      const name = scanDisplayName(s, i, lt);
      if (name === false) return false;
      found.displayName = name;
    }
  }
  let uriStart: number;
  let uriEnd: number;
  if (lt !== -1) {
    uriEnd = s.indexOf('>', lt);
    if (uriEnd === -1 || uriEnd >= to) return false;
    uriStart = lt + 1;
    // RFC 4475 §3.1.2.14 badaspec: no LWS inside the brackets.
    if (uriEnd === uriStart || isLwsAt(s, uriStart) || isLwsAt(s, uriEnd - 1)) return false;
    i = uriEnd + 1;
  } else {
    // addr-spec: the `;params` belong to the header, and the URI may contain neither `?` nor `,`.
    uriStart = i;
    uriEnd = i;
    // It ends at LWS (a bare CR, which is no URI character either, fails the params after it).
    for (; uriEnd < to; uriEnd++) {
      const c = s.charCodeAt(uriEnd);
      if (c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
      if (c === 0x3f || c === 0x2c) return false;
    }
    if (uriEnd === uriStart) return false;
    i = uriEnd;
  }
  // absoluteURI (RFC 3261 §25.1): sip/sips/tel must parse; foreign schemes only need uric chars.
  found.uri = undefined;
  if (s.startsWith('sip:', uriStart)) {
    found.uri = parseUriIn(s, uriStart, uriEnd);
    if (!found.uri) return false;
  } else {
    const scheme = uriScheme(s.slice(uriStart, uriEnd));
    if (!scheme) return false;
    if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') {
      found.uri = parseUriIn(s, uriStart, uriEnd);
      if (!found.uri) return false;
    } else if (!isUricString(s.slice(uriStart + scheme.length + 1, uriEnd))) return false;
  }
  found.uriStart = uriStart;
  found.uriEnd = uriEnd;
  found.params = {};
  if (i === to) return true;
  const end = scanParamsInto(s, i, to, found.params);
  return end !== -1 && skipWs(s, end, to) === to;
}

/**
 * Splits a name-addr or addr-spec (RFC 3261 §20.10) without interpreting the URI, so that
 * foreign schemes (`isbn:…`, `http:…`, RFC 4475 §3.3.4) still parse. For a bare addr-spec the
 * `;params` belong to the header, and the URI may contain neither `?` nor `,` (RFC 4475
 * §3.1.2.13 regbadct).
 */
export function splitNameAddr(s: string): NameAddrParts | undefined {
  if (!scanNameAddr(s, 0, s.length)) return undefined;
  return { displayName: found.displayName, uriText: s.slice(found.uriStart, found.uriEnd), params: found.params };
}

/**
 * Validates a name-addr / addr-spec in one pass: undefined when malformed, null when valid with
 * a foreign scheme, the parsed NameAddr for sip:, sips: and tel:.
 */
export function readNameAddr(s: string): NameAddr | null | undefined {
  return readNameAddrIn(s, 0, s.length);
}

/** `readNameAddr` of `s[from, to)`. */
export function readNameAddrIn(s: string, from: number, to: number): NameAddr | null | undefined {
  if (!scanNameAddr(s, from, to)) return undefined;
  if (!found.uri) return null;
  const out: NameAddr = { uri: found.uri, params: found.params };
  if (found.displayName !== undefined) out.displayName = found.displayName;
  return out;
}

/** Parses a name-addr / addr-spec whose URI is sip:, sips: or tel:. */
export function parseNameAddr(s: string): NameAddr | undefined {
  return readNameAddr(s) ?? undefined;
}

function scanSlash(s: string, i: number, end: number): number {
  i = skipWs(s, i, end);
  return i < end && s.charCodeAt(i) === 0x2f ? skipWs(s, i + 1, end) : -1;
}

/** Parses one Via value (RFC 3261 §20.42), tolerating LWS around '/' (RFC 4475 §3.1.1.1). */
export function parseVia(s: string): Via | undefined {
  return parseViaIn(s, 0, s.length);
}

/** `parseVia` of `s[from, to)`. */
export function parseViaIn(s: string, from: number, to: number): Via | undefined {
  let i = skipWs(s, from, to);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, scanned in place.
  const nameEnd = scanToken(s, i, to);
  if (nameEnd === i) return undefined;
  const nameStart = i;
  i = scanSlash(s, nameEnd, to);
  if (i < 0) return undefined;
  const versionEnd = scanToken(s, i, to);
  if (versionEnd === i) return undefined;
  const versionStart = i;
  i = scanSlash(s, versionEnd, to);
  if (i < 0) return undefined;
  const transportEnd = scanToken(s, i, to);
  if (transportEnd === i) return undefined;
  const transportStart = i;
  i = transportEnd;
  // sent-by = host [ COLON port ]; LWS is required before it.
  const hostStart = skipWs(s, i, to);
  if (hostStart === i || hostStart === to) return undefined;
  let host: string;
  if (s.charCodeAt(hostStart) === 0x5b) {
    const close = s.indexOf(']', hostStart);
    if (close === -1 || close >= to) return undefined;
    host = s.slice(hostStart + 1, close);
    i = close + 1;
  } else {
    i = hostStart;
    while (i < to && isHostChar(s.charCodeAt(i))) i++;
    if (i === hostStart) return undefined;
    if (i < to) {
      const c = s.charCodeAt(i);
      if (c !== 0x3a && c !== 0x3b && c !== 0x2c && !isLwsAt(s, i)) return undefined;
    }
    host = s.slice(hostStart, i);
  }
  let port: number | undefined;
  let j = skipWs(s, i, to);
  if (j < to && s.charCodeAt(j) === 0x3a) {
    j = skipWs(s, j + 1, to);
    const portStart = j;
    port = 0;
    for (; j < to && j - portStart <= 5 && isDigit(s.charCodeAt(j)); j++) port = port * 10 + (s.charCodeAt(j) - 0x30);
    if (j === portStart || j - portStart > 5 || port > 65535) return undefined;
    i = j;
  }
  const params: UriParams = {};
  const end = scanParamsInto(s, i, to, params);
  if (end === -1 || skipWs(s, end, to) !== to) return undefined;
  const via: Via = {
    protocol: sentProtocol(s, nameStart, nameEnd, versionStart, versionEnd),
    transport: transportName(s, transportStart, transportEnd),
    host,
    params,
  };
  if (port !== undefined) via.port = port;
  return via;
}

/** "SIP/2.0" (the only version there is) without building a string per Via. */
function sentProtocol(s: string, nameStart: number, nameEnd: number, versionStart: number, versionEnd: number): string {
  // Char codes, not startsWith: these inline, a builtin call per Via does not.
  if (
    nameEnd - nameStart === 3 &&
    versionEnd - versionStart === 3 &&
    s.charCodeAt(nameStart) === 0x53 &&
    s.charCodeAt(nameStart + 1) === 0x49 &&
    s.charCodeAt(nameStart + 2) === 0x50 &&
    s.charCodeAt(versionStart) === 0x32 &&
    s.charCodeAt(versionStart + 1) === 0x2e &&
    s.charCodeAt(versionStart + 2) === 0x30
  ) {
    return 'SIP/2.0';
  }
  const name = s.slice(nameStart, nameEnd).toUpperCase();
  const version = s.slice(versionStart, versionEnd);
  return name === 'SIP' && version === '2.0' ? 'SIP/2.0' : `${name}/${version}`;
}

/** The upper-cased transport, as a shared constant for UDP, TCP and TLS as sent. */
function transportName(s: string, start: number, end: number): string {
  if (end - start === 3) {
    const a = s.charCodeAt(start);
    const b = s.charCodeAt(start + 1);
    const c = s.charCodeAt(start + 2);
    if (a === 0x55 && b === 0x44 && c === 0x50) return 'UDP';
    if (a === 0x54 && b === 0x43 && c === 0x50) return 'TCP';
    if (a === 0x54 && b === 0x4c && c === 0x53) return 'TLS';
  }
  return s.slice(start, end).toUpperCase();
}

/** Parses `CSeq: 1*DIGIT LWS Method`; rejects sequence numbers ≥ 2**31 (RFC 4475 §3.1.2.4). */
export function parseCSeq(s: string): CSeq | undefined {
  return parseCSeqIn(s, 0, s.length);
}

/** `parseCSeq` of `s[from, to)`. */
export function parseCSeqIn(s: string, from: number, to: number): CSeq | undefined {
  const i = skipWs(s, from, to);
  let j = i;
  let seq = 0;
  for (; j < to && isDigit(s.charCodeAt(j)); j++) seq = seq * 10 + (s.charCodeAt(j) - 0x30);
  if (j === i || j - i > 12 || seq > MAX_CSEQ) return undefined;
  const m = skipWs(s, j, to);
  if (m === j) return undefined;
  let end = to;
  while (end > m && isLwsAt(s, end - 1)) end--;
  if (!isTokenIn(s, m, end)) return undefined;
  return { seq, method: methodName(s, m, end) };
}

const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'UPDATE', 'INFO', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'MESSAGE', 'PUBLISH'];

/** The method in `s[start, end)`, as a shared constant for the standard ones. */
function methodName(s: string, start: number, end: number): string {
  for (const m of METHODS) if (end - start === m.length && s.startsWith(m, start)) return m;
  return s.slice(start, end);
}

/** Parses a bounded non-negative integer header value such as Max-Forwards or Expires. */
export function parseUnsigned(s: string | undefined, max: number): number | undefined {
  if (s === undefined) return undefined;
  const t = trimWs(s);
  if (t.length === 0 || t.length > 10) return undefined;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    n = n * 10 + (c - 0x30);
  }
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
  for (let i = 0; i < h.size; i++) {
    if (h.nameAt(i) !== name) continue;
    const na = readNameAddr(h.valueAt(i));
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
