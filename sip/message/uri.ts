/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966). Components are stored unescaped
 * (RFC 3261 §19.1.2: "%75se%72" and "user" are the same user) and escaped again on output.
 */
import type { SipUri, UriParams } from './types.js';
import { SpellingTable, URI_COMPONENT, escapeComponent, isHostname, isScheme, isUricString, unescapeComponent } from './scan.js';

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

/** A param name or value with no escapes and only allowed characters: used as it is. */
function plainParamPart(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || PARAM_CHARS[c] === 0) return false;
  }
  return true;
}

function parseParamList(s: string, into: UriParams): boolean {
  if (s === '') return true;
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf(';', start);
    if (end === -1) end = s.length;
    if (end === start) return false; // ";;" has no parameter name (RFC 4475 §3.1.2.1)
    let eq = s.indexOf('=', start);
    if (eq >= end) eq = -1;
    const nameEnd = eq === -1 ? end : eq;
    // Fast path: no escapes, nothing to check twice; otherwise the general unescaping.
    let name: string | undefined;
    let value: string | null | undefined;
    if (plainParamPart(s, start, nameEnd) && (eq === -1 || plainParamPart(s, eq + 1, end))) {
      if (nameEnd === start) return false;
      name = URI_PARAM_NAMES.find(s, start, nameEnd);
      if (name === undefined) {
        const spelling = s.slice(start, nameEnd);
        name = spelling.toLowerCase();
        URI_PARAM_NAMES.add(spelling, name);
      }
      value = eq === -1 ? null : s.slice(eq + 1, end);
      into[name] = value;
      start = end + 1;
      continue;
    } else {
      name = unescapeComponent(s.slice(start, nameEnd), PARAM_CHARS);
      value = eq === -1 ? null : unescapeComponent(s.slice(eq + 1, end), PARAM_CHARS);
      if (!name || value === undefined) return false;
    }
    into[name.toLowerCase()] = value;
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

function parseHostPort(s: string): { host: string; port?: number } | undefined {
  let host: string;
  let rest: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close === -1) return undefined;
    host = s.slice(1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || host.indexOf(':') === -1) return undefined;
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    host = colon === -1 ? s : s.slice(0, colon);
    rest = colon === -1 ? '' : s.slice(colon);
    if (!isHostname(host)) return undefined;
  }
  if (rest === '') return { host };
  if (rest.length < 2 || rest.length > 6 || rest.charCodeAt(0) !== 0x3a) return undefined;
  let port = 0;
  for (let i = 1; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    port = port * 10 + (c - 0x30);
  }
  return port <= MAX_PORT ? { host, port } : undefined;
}

function parseUserInfo(s: string, uri: SipUri): boolean {
  const colon = s.indexOf(':');
  const user = unescapeComponent(colon === -1 ? s : s.slice(0, colon), URI_COMPONENT.user);
  if (user === undefined) return false;
  uri.user = user;
  if (colon !== -1) {
    const password = colon + 1 === s.length ? '' : unescapeComponent(s.slice(colon + 1), URI_COMPONENT.password);
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
  if (semi !== -1 && !parseParamList(body.slice(semi + 1), uri.params)) return undefined;
  return uri;
}

/**
 * Parses a sip:, sips: or tel: URI. Returns undefined for anything else (including foreign
 * schemes and embedded whitespace, RFC 4475 §3.1.2.8). Never throws.
 */
export function parseUri(s: string): SipUri | undefined {
  const scheme = s.startsWith('sip:') ? 'sip' : uriScheme(s);
  if (scheme === 'tel') return parseTelUri(s.slice(4));
  if (scheme !== 'sip' && scheme !== 'sips') return undefined;
  let rest = s.slice(scheme.length + 1);
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  // '@' can appear in neither host, params nor headers, so its presence marks the userinfo.
  const at = rest.indexOf('@');
  if (at !== -1) {
    if (rest.indexOf('@', at + 1) !== -1 || !parseUserInfo(rest.slice(0, at), uri)) return undefined;
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf('?');
  if (q !== -1) {
    if (!parseUriHeaders(rest.slice(q + 1), uri.headers)) return undefined;
    rest = rest.slice(0, q);
  }
  const semi = rest.indexOf(';');
  const hostport = parseHostPort(semi === -1 ? rest : rest.slice(0, semi));
  if (!hostport) return undefined;
  uri.host = hostport.host;
  if (hostport.port !== undefined) uri.port = hostport.port;
  if (semi !== -1 && !parseParamList(rest.slice(semi + 1), uri.params)) return undefined;
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
