/**
 * Character classes and small linear scanners shared by the header-value parsers
 * (RFC 3261 §25.1). Everything here is a single left-to-right pass over the input: no
 * regular expressions with nested quantifiers, so no input can trigger backtracking.
 */

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = 1;
  return t;
}

const ALPHANUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = table("-.!%*_+`'~", ALPHANUM);
/** unreserved = alphanum / mark */
const UNRESERVED = table("-_.!~*'()", ALPHANUM);
/** user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
const USER = table("-_.!~*'()&=+$,;?/", ALPHANUM);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
const PASSWORD = table("-_.!~*'()&=+$,", ALPHANUM);
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" */
const PARAMCHAR = table("-_.!~*'()[]/:&+$", ALPHANUM);
/** hnv-unreserved / unreserved for URI headers */
const HEADERCHAR = table("-_.!~*'()[]/?:+$", ALPHANUM);
/** hostname characters (plus ':' handled by caller for IPv6) */
const HOST = table('-.', ALPHANUM);
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
const SCHEME = table('+-.', ALPHANUM);
/** uric (RFC 2396) used for opaque absoluteURI parts of foreign schemes */
const URIC = table(";/?:@&=+$,-_.!~*'()%[]#", ALPHANUM);

const has = (t: Uint8Array, s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] === 0) return false;
  }
  return s.length > 0;
};

export const isToken = (s: string): boolean => has(TOKEN, s);
export const isTokenChar = (c: number): boolean => c < 128 && TOKEN[c] === 1;
export const isHostChar = (c: number): boolean => c < 128 && HOST[c] === 1;
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
export const isHostname = (s: string): boolean => has(HOST, s);
export const isScheme = (s: string): boolean =>
  has(SCHEME, s) && ((s.charCodeAt(0) | 0x20) >= 0x61 && (s.charCodeAt(0) | 0x20) <= 0x7a);
export const isUricString = (s: string): boolean => has(URIC, s);

/** Allowed raw (unescaped) characters per URI component, for validation and escaping. */
export const URI_COMPONENT = { user: USER, password: PASSWORD, param: PARAMCHAR, header: HEADERCHAR, unreserved: UNRESERVED, host: HOST };

export const isWsp = (c: number): boolean => c === 0x20 || c === 0x09;

/**
 * Whether `s[i]` is linear white space in a header value: SP, HTAB, or the line end of a fold
 * (LF, or the CR of a CRLF). The parser leaves folded values folded (RFC 3261 §7.3.1: a fold is
 * equivalent to SP), and no other line end is ever inside a value; a bare CR stays data.
 */
export function isLwsAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c === 0x20 || c === 0x09 || c === 0x0a || (c === 0x0d && s.charCodeAt(i + 1) === 0x0a);
}

/** Trims LWS only (String#trim would also eat U+FEFF, U+00A0 … which are data in SIP). */
export function trimWs(s: string): string {
  return trimmedSlice(s, 0, s.length);
}

// The scanners take an optional `end`: the parser scans header values inside the message text
// (a flat string, faster to read than a slice of it) instead of slicing each value out first.

export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end && isLwsAt(s, i)) i++;
  return i;
}

/**
 * A folded value as one line: each fold, with the SP/HTAB around it, becomes one SP, and
 * continuation lines holding nothing else vanish.
 */
export function unfoldValue(s: string): string {
  if (s.indexOf('\n') === -1) return s;
  const pieces: string[] = [];
  let from = 0;
  for (;;) {
    const nl = s.indexOf('\n', from);
    const end = nl === -1 ? s.length : nl > from && s.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    const piece = trimmedSlice(s, from, end);
    if (piece !== '') pieces.push(piece);
    if (nl === -1) return pieces.join(' ');
    from = nl + 1;
  }
}

/** Index of the first char that is not a token char, starting at i. */
export function scanToken(s: string, i: number, end = s.length): number {
  while (i < end && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** Whether `s[from, to)` is a non-empty token. */
export function isTokenIn(s: string, from: number, to: number): boolean {
  return to > from && scanToken(s, from, to) === to;
}

/** `s[from, to)` without the LWS around it. */
export function trimmedSlice(s: string, from: number, to: number): string {
  while (from < to && isLwsAt(s, from)) from++;
  while (to > from && isLwsAt(s, to - 1)) to--;
  return s.slice(from, to);
}

/**
 * Scans a quoted-string starting at the opening quote `s[i] === '"'`. Returns the index
 * after the closing quote, or -1 when the string is unterminated (RFC 4475 §3.1.2.6).
 */
export function scanQuoted(s: string, i: number, end = s.length): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++; // quoted-pair: skip the escaped char
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** Content of a quoted-string with quoted-pairs resolved (RFC 3261 §25.1). */
export function unquote(quoted: string): string {
  const end = quoted.length - 1;
  let escape = quoted.indexOf('\\', 1);
  if (escape === -1 || escape >= end) return quoted.slice(1, end);
  // Copy the runs between quoted-pairs, each pair's second character kept.
  let out = '';
  let start = 1;
  while (escape !== -1 && escape < end - 1) {
    out += quoted.slice(start, escape) + quoted[escape + 1];
    start = escape + 2;
    escape = quoted.indexOf('\\', start);
  }
  return out + quoted.slice(start, end);
}

/**
 * Wraps a string in quotes. `"`, `\` and control characters become quoted-pairs
 * (RFC 3261 §25.1); CR and LF, which cannot be escaped, become spaces.
 */
export function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\r\n]/g, ' ').replace(/["\\\x00-\x1f\x7f]/g, (ch) => '\\' + ch);
  return '"' + escaped + '"';
}

/**
 * Splits a header value on commas that are outside quoted strings and `<…>` (RFC 3261 §7.3.1).
 * Elements are trimmed. Returns undefined on an unterminated quote. With `stopOnEmpty`, the
 * first empty element ends the scan and is returned alone (`['']`), so `,,,,…` costs nothing.
 */
export function splitTopLevel(value: string, separator = 0x2c, stopOnEmpty = false): string[] | undefined {
  if (value.indexOf('"') === -1 && value.indexOf('<') === -1) return splitPlain(value, String.fromCharCode(separator), stopOnEmpty);
  const parts: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const end = scanQuoted(value, i);
      if (end === -1) return undefined;
      i = end - 1;
    } else if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === separator && !angle) {
      const part = trimmedSlice(value, start, i);
      if (part === '' && stopOnEmpty) return [''];
      parts.push(part);
      start = i + 1;
    }
  }
  parts.push(trimmedSlice(value, start, value.length));
  return parts;
}

/** `splitTopLevel` of a value without quotes or angle brackets: every separator splits. */
function splitPlain(value: string, separator: string, stopOnEmpty: boolean): string[] {
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    let end = value.indexOf(separator, start);
    if (end === -1) end = value.length;
    const part = trimmedSlice(value, start, end);
    if (part === '' && stopOnEmpty) return [''];
    parts.push(part);
    if (end === value.length) return parts;
    start = end + 1;
  }
}

const HEX = '0123456789ABCDEF';

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Resolves `% HEX HEX` escapes (RFC 3261 §19.1.2) and checks that every unescaped char is in
 * `allowed`. Decoding is not recursive (RFC 4475 §3.1.1.3: "value%2541" → "value%41").
 * Escaped bytes are decoded as UTF-8. Returns undefined on a bad escape or forbidden char.
 */
export function unescapeComponent(s: string, allowed: Uint8Array): string | undefined {
  if (s.indexOf('%') === -1) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 128 && allowed[c] === 0) return undefined;
    }
    return s;
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexVal(s.charCodeAt(i + 1));
      const lo = hexVal(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c < 128) {
      if (allowed[c] === 0) return undefined;
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i], 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes every byte that is not in `allowed` as `% HEX HEX` (UTF-8 for non-ASCII). */
export function escapeComponent(s: string, allowed: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || allowed[c] === 0) plain = false;
  }
  if (plain) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b < 128 && allowed[b] === 1) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * Spellings seen before (header names, parameter names) mapped to a value, found without
 * slicing or hashing the input: a bucket per (length, first character), then `startsWith`.
 * The parser fills it as it validates names; it is bounded so a peer cannot grow it.
 */
export class SpellingTable<T = string> {
  // Every slot allocated up front: a sparse array would be a dictionary, slower to index.
  private readonly buckets: Array<Array<string | T> | undefined> = new Array<undefined>(64 << 7).fill(undefined);
  private size = 0;

  constructor(private readonly limit = 1024) {}

  /** The value stored for the exact spelling `text[from, to)`, or undefined. */
  find(text: string, from: number, to: number): T | undefined {
    const length = to - from;
    if (length <= 0 || length > 63) return undefined;
    const bucket = this.buckets[(length << 7) | (text.charCodeAt(from) & 0x7f)];
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i += 2) if (text.startsWith(bucket[i] as string, from)) return bucket[i + 1] as T;
    return undefined;
  }

  add(spelling: string, value: T): void {
    const length = spelling.length;
    if (length === 0 || length > 63 || this.size >= this.limit) return;
    const key = (length << 7) | (spelling.charCodeAt(0) & 0x7f);
    const bucket = (this.buckets[key] ??= []);
    if (bucket.length >= 16) return; // a crowded bucket costs more than it saves
    bucket.push(spelling, value);
    this.size++;
  }
}
