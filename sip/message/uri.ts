/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966). Components are stored unescaped
 * (RFC 3261 §19.1.2: "%75se%72" and "user" are the same user) and escaped again on output.
 */
import type { SipUri, UriParams } from './types.js';
import { SpellingTable, URI_COMPONENT, escapeComponent, isHostChar, isScheme, isUricString, unescapeComponent } from './scan.js';

const MAX_PORT = 65535;

/** The scheme of an absolute URI ("sip", "http", …) lower-cased, or undefined when `s` is no URI. */
export function uriScheme(s: string): string | undefined {
  const colon = s.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = s.slice(0, colon);
  return isScheme(scheme) ? scheme.toLowerCase() : undefined;
}

/**
 * True when `s` is a syntactically plausible absoluteURI of any scheme (RFC 3261 §25.1
 * `absoluteURI`): used to accept foreign schemes in To/From/Contact (RFC 4475 §3.3.4).
 */
export function isAbsoluteUri(s: string): boolean {
  const scheme = uriScheme(s);
  if (!scheme) return false;
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') return parseUri(s) !== undefined;
  return isUricString(s.slice(scheme.length + 1));
}

const PARAM_CHARS = URI_COMPONENT.param;
/** Unescaped URI parameter-name spellings → lower-case name. */
const URI_PARAM_NAMES = new SpellingTable(1024);

/** `s[from, to)` as a component: sliced as it is when plain, unescaped otherwise; undefined when malformed. */
function component(s: string, from: number, to: number, allowed: Uint8Array): string | undefined {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) return unescapeComponent(s.slice(from, to), allowed);
    if (c < 128 && allowed[c] === 0) return undefined;
  }
  return s.slice(from, to);
}

/** A param name or value with no escapes and only allowed characters: used as it is. */
function plainParamPart(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PARAM_CHARS[c] === 0) return false;
  }
  return true;
}

/** Index of `ch` in `s[from, to)`, or -1. */
function indexIn(s: string, ch: string, from: number, to: number): number {
  const i = s.indexOf(ch, from);
  return i === -1 || i >= to ? -1 : i;
}

/** Parses the `a=b;c` list of `s[from, to)` into `into`; an empty list is valid. */
function parseParamList(s: string, from: number, to: number, into: UriParams): boolean {
  if (from === to) return true;
  let start = from;
  while (start <= to) {
    let end = indexIn(s, ';', start, to);
    if (end === -1) end = to;
    if (end === start) return false; // ";;" has no parameter name (RFC 4475 §3.1.2.1)
    const eq = indexIn(s, '=', start, end);
    const nameEnd = eq === -1 ? end : eq;
    // Fast path: no escapes, nothing to check twice; otherwise the general unescaping.
    if (plainParamPart(s, start, nameEnd) && (eq === -1 || plainParamPart(s, eq + 1, end))) {
      let name = URI_PARAM_NAMES.find(s, start, nameEnd);
      if (name === undefined) {
        const spelling = s.slice(start, nameEnd);
        name = spelling.toLowerCase();
        URI_PARAM_NAMES.add(spelling, name);
      }
      into[name] = eq === -1 ? null : s.slice(eq + 1, end);
    } else {
      const name = unescapeComponent(s.slice(start, nameEnd), PARAM_CHARS);
      const value = eq === -1 ? null : unescapeComponent(s.slice(eq + 1, end), PARAM_CHARS);
      if (!name || value === undefined) return false;
      into[name.toLowerCase()] = value;
    }
    start = end + 1;
  }
  return true;
}

function parseUriHeaders(s: string, into: Record<string, string>): boolean {
  for (const part of s.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return false;
    const name = unescapeComponent(part.slice(0, eq), URI_COMPONENT.header);
    const value = eq + 1 === part.length ? '' : unescapeComponent(part.slice(eq + 1), URI_COMPONENT.header);
    if (!name || value === undefined) return false;
    into[name] = value;
  }
  return true;
}

/** Parses `host[:port]` in `s[from, to)` into `uri`; false when malformed. */
function parseHostPort(s: string, from: number, to: number, uri: SipUri): boolean {
  let i: number;
  if (s.charCodeAt(from) === 0x5b) {
    const close = indexIn(s, ']', from, to);
    if (close === -1) return false;
    const host = s.slice(from + 1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || host.indexOf(':') === -1) return false;
    uri.host = host;
    i = close + 1;
  } else {
    i = from;
    while (i < to && isHostChar(s.charCodeAt(i))) i++;
    if (i === from || (i < to && s.charCodeAt(i) !== 0x3a)) return false;
    uri.host = s.slice(from, i);
  }
  if (i === to) return true;
  if (to - i < 2 || to - i > 6 || s.charCodeAt(i) !== 0x3a) return false;
  let port = 0;
  for (i++; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    port = port * 10 + (c - 0x30);
  }
  if (port > MAX_PORT) return false;
  uri.port = port;
  return true;
}

/** Parses `user[:password]` in `s[from, to)` into `uri`. */
function parseUserInfo(s: string, from: number, to: number, uri: SipUri): boolean {
  const colon = indexIn(s, ':', from, to);
  const user = component(s, from, colon === -1 ? to : colon, URI_COMPONENT.user);
  if (user === undefined) return false;
  uri.user = user;
  if (colon !== -1) {
    const password = component(s, colon + 1, to, URI_COMPONENT.password);
    if (password === undefined) return false;
    uri.password = password;
  }
  return true;
}

function parseTelUri(body: string): SipUri | undefined {
  const semi = body.indexOf(';');
  const number = semi === -1 ? body : body.slice(0, semi);
  const uri: SipUri = { scheme: 'tel', host: '', params: {}, headers: {} };
  // RFC 3966 §3: global numbers start with '+', local ones need phone-context; we only check charset.
  if (!/^\+?[-0-9A-Fa-f*#().]+$/.test(number)) return undefined;
  uri.user = number;
  if (semi !== -1 && !parseParamList(body, semi + 1, body.length, uri.params)) return undefined;
  return uri;
}

/** The headers of every URI without any: one shared, frozen object instead of one per URI. */
const NO_HEADERS: Record<string, string> = Object.freeze({});

/**
 * Parses a sip:, sips: or tel: URI. Returns undefined for anything else (including foreign
 * schemes and embedded whitespace, RFC 4475 §3.1.2.8). Never throws.
 */
export function parseUri(s: string): SipUri | undefined {
  return parseUriIn(s, 0, s.length);
}

/** `parseUri` of `s[from, to)`, without slicing it out first (the name-addr parser's path). */
export function parseUriIn(s: string, from: number, to: number): SipUri | undefined {
  const scheme = s.startsWith('sip:', from) ? 'sip' : uriScheme(s.slice(from, to));
  if (scheme === 'tel') return parseTelUri(s.slice(from + 4, to));
  if (scheme !== 'sip' && scheme !== 'sips') return undefined;
  let i = from + scheme.length + 1;
  const uri: SipUri = { scheme, host: '', params: {}, headers: NO_HEADERS };
  // '@' can appear in neither host, params nor headers, so its presence marks the userinfo.
  const at = indexIn(s, '@', i, to);
  if (at !== -1) {
    if (indexIn(s, '@', at + 1, to) !== -1 || !parseUserInfo(s, i, at, uri)) return undefined;
    i = at + 1;
  }
  let end = to;
  const q = indexIn(s, '?', i, to);
  if (q !== -1) {
    uri.headers = {};
    if (!parseUriHeaders(s.slice(q + 1, to), uri.headers)) return undefined;
    end = q;
  }
  const semi = indexIn(s, ';', i, end);
  if (!parseHostPort(s, i, semi === -1 ? end : semi, uri)) return undefined;
  if (semi !== -1 && !parseParamList(s, semi + 1, end, uri.params)) return undefined;
  return uri;
}

function serializeParamList(params: UriParams): string {
  let out = '';
  for (const [name, value] of Object.entries(params)) {
    out += ';' + escapeComponent(name, URI_COMPONENT.param);
    if (value !== null) out += '=' + escapeComponent(value, URI_COMPONENT.param);
  }
  return out;
}

/** Canonical text of a URI; components are escaped where RFC 3261 §25.1 requires it. */
export function serializeUri(uri: SipUri): string {
  if (uri.scheme === 'tel') return 'tel:' + (uri.user ?? '') + serializeParamList(uri.params);
  let out = uri.scheme + ':';
  if (uri.user !== undefined && uri.user !== '') {
    out += escapeComponent(uri.user, URI_COMPONENT.user);
    if (uri.password !== undefined) out += ':' + escapeComponent(uri.password, URI_COMPONENT.password);
    out += '@';
  }
  out += uri.host.indexOf(':') !== -1 ? '[' + uri.host + ']' : uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  out += serializeParamList(uri.params);
  const headers = Object.entries(uri.headers);
  if (headers.length > 0) {
    out +=
      '?' +
      headers
        .map(([n, v]) => escapeComponent(n, URI_COMPONENT.header) + '=' + escapeComponent(v, URI_COMPONENT.header))
        .join('&');
  }
  return out;
}

/** Deep copy, so callers can edit params without touching a parsed message's URI. */
export function cloneUri(uri: SipUri): SipUri {
  return { ...uri, params: { ...uri.params }, headers: { ...uri.headers } };
}

/** Escapes a URI user part (RFC 3261 §19.1.2: only user-unreserved and unreserved stay as-is). */
export const escapeUser = (user: string): string => escapeComponent(user, URI_COMPONENT.user);
/** Unescapes a URI user part; undefined on a malformed escape or a forbidden character. */
export const unescapeUser = (user: string): string | undefined => unescapeComponent(user, URI_COMPONENT.user);
