/**
 * SIP message parser (RFC 3261 §7, §18.3, §25). One linear pass: find the end of the header
 * section, unfold header lines, split list headers on top-level commas, then validate the
 * start line and the headers every element needs before it can answer (§8.1.1, §8.2.2).
 *
 * `parseMessage` never throws. A failure carries a stable code, a human reason, the status an
 * element should answer with (when it answers at all) and, when the headers could be read,
 * a `partial` message so that the caller can still send that response.
 */
import { NO_BODY, SipHeaders, normalizeHeaderName, type NameAddr, type SipMessage, type SipRequest, type SipResponse, type SipUri, type Via } from './types.js';
import { SpellingTable, isDigit, isToken, isWsp, skipWs, splitTopLevel } from './scan.js';
import { VIEWS, parseCSeq, parseCSeqIn, parseUnsigned, parseVia, parseViaIn, readNameAddr, readNameAddrIn } from './headers.js';
import { parseUriIn, uriScheme, isAbsoluteUri } from './uri.js';
import { BRANCH_COOKIE } from './ids.js';

/** Largest message we accept on any transport (a UDP datagram cannot be larger). */
export const MAX_MESSAGE_SIZE = 65535;

export type ParseErrorCode =
  | 'too-large'
  | 'no-header-end'
  | 'bad-start-line'
  | 'bad-version'
  | 'bad-status-code'
  | 'bad-request-uri'
  | 'unsupported-uri-scheme'
  | 'bad-header'
  | 'missing-header'
  | 'multiple-values'
  | 'bad-via'
  | 'bad-from'
  | 'bad-to'
  | 'bad-call-id'
  | 'bad-cseq'
  | 'cseq-method-mismatch'
  | 'bad-contact'
  | 'bad-content-length'
  | 'missing-content-length'
  | 'body-truncated'
  | 'internal';

/** What could be read of a rejected message: enough to build a response to a request. */
export interface PartialMessage {
  kind: 'request' | 'response';
  method?: string;
  headers: SipHeaders;
}

export interface ParseFailure {
  ok: false;
  code: ParseErrorCode;
  reason: string;
  /** The response an element should send for a request (400, 416, 505, 513); responses are dropped. */
  status?: number;
  partial?: PartialMessage;
}

export type ParseResult = { ok: true; message: SipMessage; warnings?: string[] } | ParseFailure;

export interface ParseOptions {
  /** 'stream' (TCP/TLS) requires Content-Length (RFC 3261 §18.3); default 'datagram'. */
  transport?: 'datagram' | 'stream';
}

/** Headers whose comma-separated values are split into separate entries (RFC 3261 §7.3.1). */
const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via', 'route', 'record-route', 'contact', 'path', 'service-route', 'allow', 'supported',
  'require', 'proxy-require', 'unsupported', 'accept', 'accept-encoding', 'accept-language',
  'allow-events', 'content-encoding', 'content-language', 'in-reply-to', 'call-info',
  'alert-info', 'error-info', 'warning', 'reason', 'p-asserted-identity',
  'p-preferred-identity', 'history-info', 'accept-contact', 'reject-contact',
  'request-disposition', 'security-client', 'security-server', 'security-verify',
]);
/** List headers whose grammar has no empty elements: `;;,;,,` is a 400 (RFC 4475 §3.1.2.1). */
const STRICT_LIST_HEADERS: ReadonlySet<string> = new Set(['via', 'route', 'record-route', 'contact']);

/**
 * The headers validation reads, each with a slot in `first` (the index of its first value);
 * the first seven may appear at most once (RFC 4475 §3.3.8, §3.3.9).
 */
const SLOTS = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type', 'via', 'date'] as const;
const SINGLE_SLOTS = 7;
const [FROM, TO, CALL_ID, CSEQ, MAX_FORWARDS, CONTENT_LENGTH, , VIA, DATE] = SLOTS.map((_, i) => i);
/** Index of the first value per slot in the message being parsed (the parser is synchronous). */
const first = new Int32Array(SLOTS.length);
/** The single-value slot seen twice first in that message, or -1. */
let duplicate = -1;
/**
 * The header text of that message, and where in it each header value is (-1 for a list element,
 * which only exists as its own string): values are parsed in the text, a flat string that reads
 * faster than a slice of it.
 */
let headerText = '';
const valueFrom: number[] = [];
const valueTo: number[] = [];

/** What the parser knows about a header name: its full lower-case form and how to read it. */
interface HeaderName {
  name: string;
  slot: number;
  list: boolean;
  strict: boolean;
}

function headerName(name: string): HeaderName {
  return { name, slot: (SLOTS as readonly string[]).indexOf(name), list: LIST_HEADERS.has(name), strict: STRICT_LIST_HEADERS.has(name) };
}

class Failure {
  constructor(
    readonly code: ParseErrorCode,
    readonly reason: string,
    readonly status = 400,
  ) {}
}

interface StartLine {
  kind: 'request' | 'response';
  method?: string;
  uri?: SipUri;
  status?: number;
  reason?: string;
  error?: Failure;
}

export function parseMessage(buf: Buffer, options: ParseOptions = {}): ParseResult {
  try {
    return parse(buf, options.transport ?? 'datagram');
  } catch {
    // Defence in depth: the parser is written not to throw, but a crash must never escape.
    return { ok: false, code: 'internal', reason: 'unexpected parser failure', status: 400 };
  }
}

function fail(f: Failure, partial?: PartialMessage): ParseFailure {
  const out: ParseFailure = { ok: false, code: f.code, reason: f.reason };
  if (partial?.kind !== 'response') out.status = f.status;
  if (partial) out.partial = partial;
  return out;
}

/** Offset of the first byte after leading CRLFs (RFC 3261 §7.5: ignore CRLF before the start line). */
function skipLeadingCrlf(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i;
}

const LF_CRLF = Buffer.from('\n\r\n');
const LF_LF = Buffer.from('\n\n');

/**
 * Finds the empty line ending the header section of a message starting at `start` (tolerating
 * bare LF line ends) in two native searches instead of one per line: it is the first LF followed
 * by CRLF or by LF.
 */
export function findHeaderEnd(buf: Buffer, start = 0): { headEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf(LF_CRLF, start);
  const lf = buf.indexOf(LF_LF, start);
  if (crlf === -1 && lf === -1) return undefined;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { headEnd: crlf + 1, bodyStart: crlf + 3 };
  return { headEnd: lf + 1, bodyStart: lf + 2 };
}

/** Messages up to this size are decoded whole, body included, so that the header scan finds the empty line. */
const WHOLE_TEXT_LIMIT = 8192;

function parse(buf: Buffer, transport: 'datagram' | 'stream'): ParseResult {
  if (buf.length > MAX_MESSAGE_SIZE) {
    return fail(new Failure('too-large', `message larger than ${MAX_MESSAGE_SIZE} bytes`, 513));
  }
  const start = skipLeadingCrlf(buf);
  // Usually one decode of the whole message, and the line scan over its headers finds the empty
  // line: no separate search. Char and byte offsets agree when the text has one char per byte
  // (a UTF-8 decode never yields more chars than bytes). Otherwise, and for large messages,
  // a native byte search cuts the header section first.
  let text = buf.length - start <= WHOLE_TEXT_LIMIT ? buf.toString('utf8', start) : '';
  let bodyStart = -1;
  const whole = text.length === buf.length - start && text.length > 0;
  if (!whole) {
    const end = findHeaderEnd(buf, start);
    if (!end) return fail(new Failure('no-header-end', 'no empty line after the header section'));
    text = buf.toString('utf8', start, end.headEnd);
    bodyStart = end.bodyStart;
  }
  // Then one scan over the text: lines are found with indexOf and values sliced once; nothing
  // is split, joined or matched with a regex per header.
  let firstEnd = text.indexOf('\n');
  if (firstEnd === -1) firstEnd = text.length;
  const startLine = parseStartLine(text, firstEnd > 0 && text.charCodeAt(firstEnd - 1) === 0x0d ? firstEnd - 1 : firstEnd);
  const headers = new SipHeaders();
  headerText = text;
  const headerError = readHeaders(text, firstEnd + 1, headers);
  if (whole) {
    // A bad header line stops the scan before the empty line: then the byte search finds it.
    const end = headerSectionEnd !== -1 ? start + headerSectionEnd : findHeaderEnd(buf, start)?.bodyStart;
    if (end === undefined) return fail(new Failure('no-header-end', 'no empty line after the header section'));
    bodyStart = end;
  }
  const error = startLine.error ?? headerError ?? validateHeaders(startLine, headers);
  if (error) return fail(error, partialOf(startLine, headers));
  const body = readBody(buf, bodyStart, headers, transport);
  if (body instanceof Failure) return fail(body, partialOf(startLine, headers));
  const message: SipMessage =
    startLine.kind === 'request'
      ? ({ kind: 'request', method: startLine.method, uri: startLine.uri, headers, body } as SipRequest)
      : ({ kind: 'response', status: startLine.status, reason: startLine.reason, headers, body } as SipResponse);
  const warnings = collectWarnings(headers);
  return warnings === undefined ? { ok: true, message } : { ok: true, message, warnings };
}

function partialOf(startLine: StartLine, headers: SipHeaders): PartialMessage {
  const partial: PartialMessage = { kind: startLine.kind, headers };
  if (startLine.method !== undefined) partial.method = startLine.method;
  return partial;
}

// ---- start line ----------------------------------------------------------------------

/** Parses the start line `text[0, end)`. */
function parseStartLine(text: string, end: number): StartLine {
  // "SIP/" in any case starts a Status-Line.
  if (end > 4 && text.charCodeAt(3) === 0x2f && (text.charCodeAt(0) | 0x20) === 0x73 && (text.charCodeAt(1) | 0x20) === 0x69 && (text.charCodeAt(2) | 0x20) === 0x70) {
    return parseStatusLine(text.slice(0, end));
  }
  return parseRequestLine(text, end);
}

function checkVersion(version: string): Failure | undefined {
  if (version === 'SIP/2.0') return undefined;
  if (!/^SIP\/\d{1,3}\.\d{1,3}$/i.test(version)) return new Failure('bad-start-line', 'malformed SIP-Version');
  if (version.toUpperCase() !== 'SIP/2.0') return new Failure('bad-version', `unsupported version ${version}`, 505);
  return undefined;
}

/** A space in `text[from, end)`, or -1. */
function spaceIn(text: string, from: number, end: number): number {
  const i = text.indexOf(' ', from);
  return i === -1 || i >= end ? -1 : i;
}

/** Parses the Request-Line `text[0, end)`; the Request-URI is read in place. */
function parseRequestLine(text: string, end: number): StartLine {
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP between elements
  // (RFC 4475 §3.1.2.9 lwsstart and §3.1.2.10 trws are rejected, which the RFC allows).
  const sp1 = spaceIn(text, 0, end);
  const sp2 = sp1 === -1 ? -1 : spaceIn(text, sp1 + 1, end);
  const first = text.slice(0, sp1 === -1 ? end : sp1);
  const method = isToken(first) ? first : undefined;
  const out: StartLine = { kind: 'request', method };
  if (sp2 === -1 || spaceIn(text, sp2 + 1, end) !== -1 || !method || sp2 === sp1 + 1) {
    out.error = new Failure('bad-start-line', 'malformed Request-Line');
    return out;
  }
  out.error = checkVersion(text.slice(sp2 + 1, end));
  if (out.error) return out;
  const uri = parseUriIn(text, sp1 + 1, sp2);
  if (!uri) {
    const uriText = text.slice(sp1 + 1, sp2);
    const scheme = uriScheme(uriText);
    const foreign = scheme && scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel' && isAbsoluteUri(uriText);
    // RFC 3261 §8.2.2.1: a scheme we do not understand gets 416 (RFC 4475 §3.3.2 unkscm).
    out.error = foreign
      ? new Failure('unsupported-uri-scheme', `unsupported Request-URI scheme ${scheme}`, 416)
      : new Failure('bad-request-uri', 'malformed Request-URI');
  } else if (hasUriHeaders(uri)) {
    // RFC 4475 §3.1.2.11 escruri: headers are not allowed in a Request-URI; rejecting is allowed.
    out.error = new Failure('bad-request-uri', 'Request-URI must not contain headers');
  } else out.uri = uri;
  return out;
}

function hasUriHeaders(uri: SipUri): boolean {
  for (const _ in uri.headers) return true;
  return false;
}

function parseStatusLine(line: string): StartLine {
  const out: StartLine = { kind: 'response' };
  const sp = line.indexOf(' ');
  out.error = sp === -1 ? new Failure('bad-start-line', 'malformed Status-Line') : checkVersion(line.slice(0, sp));
  if (out.error) return out;
  // Status-Code = 3DIGIT (RFC 4475 §3.1.2.19 bigcode is dropped).
  const c = sp + 1;
  const first = line.charCodeAt(c);
  if (!(first >= 0x31 && first <= 0x36 && isDigit(line.charCodeAt(c + 1)) && isDigit(line.charCodeAt(c + 2)) && (c + 3 === line.length || line.charCodeAt(c + 3) === 0x20))) {
    out.error = new Failure('bad-status-code', 'malformed status code');
    return out;
  }
  out.status = (first - 0x30) * 100 + (line.charCodeAt(c + 1) - 0x30) * 10 + (line.charCodeAt(c + 2) - 0x30);
  // RFC 4475 §3.1.1.13 noreason: the SP before an empty reason is required; we are liberal.
  out.reason = line.slice(c + 4);
  return out;
}

// ---- headers -------------------------------------------------------------------------

/** Header-name spellings seen on the wire → what the parser knows about the name. */
const HEADER_NAMES = new SpellingTable<HeaderName>(2048);

/** Where the body starts in the text `readHeaders` read (after the empty line), or -1 when it stopped before one. */
let headerSectionEnd = -1;

/**
 * Reads the header lines of `text` from `pos` up to an empty line or the end of the text: unfolds
 * continuation lines (RFC 3261 §7.3.1: LWS folding is equivalent to one SP), appends each header
 * and records in `first` where the validated ones are, and in `headerSectionEnd` where the body
 * starts. A bad list keeps going so that `partial` holds every header; a bad line stops there.
 */
function readHeaders(text: string, pos: number, headers: SipHeaders): Failure | undefined {
  let firstError: Failure | undefined;
  const length = text.length;
  // A loop, not fill(): TypedArray#fill is a runtime call, dearer than nine stores.
  for (let i = 0; i < first.length; i++) first[i] = -1;
  duplicate = -1;
  headerSectionEnd = -1;
  while (pos < length) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl === -1 ? length : nl > pos && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    if (lineEnd === pos) {
      if (nl !== -1) headerSectionEnd = nl + 1;
      return firstError;
    }
    if (isWsp(text.charCodeAt(pos))) return firstError ?? new Failure('bad-header', 'continuation line before any header');
    const colon = text.indexOf(':', pos);
    if (colon === -1 || colon > lineEnd) return firstError ?? new Failure('bad-header', 'malformed header line');
    let nameEnd = colon;
    while (nameEnd > pos && isWsp(text.charCodeAt(nameEnd - 1))) nameEnd--;
    // A spelling in the table was a valid token when the parser put it there; any other is checked.
    let name = HEADER_NAMES.find(text, pos, nameEnd);
    if (name === undefined) {
      const rawName = text.slice(pos, nameEnd);
      if (!isToken(rawName)) return firstError ?? new Failure('bad-header', 'malformed header line');
      name = headerName(normalizeHeaderName(rawName));
      HEADER_NAMES.add(rawName, name);
    }
    let a = colon + 1;
    let b = lineEnd;
    while (a < b && isWsp(text.charCodeAt(a))) a++;
    while (b > a && isWsp(text.charCodeAt(b - 1))) b--;
    pos = nl === -1 ? length : nl + 1;
    // Continuation lines (rare) stay in the value, which ends after the last one's text: the
    // value parsers read a fold as LWS, and the raw value is unfolded only if it is read.
    let folded = false;
    while (pos < length && isWsp(text.charCodeAt(pos))) {
      let next = text.indexOf('\n', pos);
      if (next === -1) next = length;
      let end = next > pos && text.charCodeAt(next - 1) === 0x0d ? next - 1 : next;
      while (end > pos && isWsp(text.charCodeAt(end - 1))) end--;
      if (end > pos) {
        b = end;
        folded = true;
      }
      pos = next + 1;
    }
    if (folded) a = skipWs(text, a, b);
    const slot = name.slot;
    if (slot !== -1) {
      if (first[slot] === -1) first[slot] = headers.size;
      else if (slot < SINGLE_SLOTS && duplicate === -1) duplicate = slot;
    }
    firstError ??= addHeader(headers, name, text.slice(a, b), a, b, folded);
  }
  return firstError;
}

/** Appends one header value found at `from, to` in the header text, splitting list headers on top-level commas. */
function addHeader(headers: SipHeaders, header: HeaderName, value: string, from: number, to: number, folded: boolean): Failure | undefined {
  const name = header.name;
  if (!header.list || value.indexOf(',') === -1) {
    valueFrom[headers.size] = from;
    valueTo[headers.size] = to;
    append(headers, name, value, folded);
    return undefined;
  }
  const strict = header.strict;
  const parts = splitTopLevel(value, 0x2c, strict);
  if (!parts || (strict && parts.includes(''))) {
    append(headers, name, value, folded); // keep the raw value for `partial`
    const code: ParseErrorCode = name === 'via' ? 'bad-via' : name === 'contact' ? 'bad-contact' : 'bad-header';
    return new Failure(code, parts ? `empty element in ${displayName(name)}` : `unterminated quote in ${displayName(name)}`);
  }
  for (const part of parts) {
    if (part === '') continue;
    valueFrom[headers.size] = -1;
    append(headers, name, part, folded);
  }
  return undefined;
}

function append(headers: SipHeaders, name: string, value: string, folded: boolean): void {
  if (folded) headers.appendFolded(name, value);
  else headers.appendNormalized(name, value);
}

function validateHeaders(start: StartLine, headers: SipHeaders): Failure | undefined {
  return (
    checkPresence() ??
    checkSingles() ??
    checkVias(headers) ??
    checkAddress(headers, FROM, 'bad-from') ??
    checkAddress(headers, TO, 'bad-to') ??
    checkCallId(headers) ??
    checkCSeq(start, headers) ??
    checkContacts(headers) ??
    checkContentLength(headers)
  );
}

const MANDATORY = [VIA, FROM, TO, CALL_ID, CSEQ];

/** The value of a slot's first header, or undefined when the message has none. */
const firstValue = (headers: SipHeaders, slot: number): string | undefined => (first[slot] === -1 ? undefined : headers.valueAt(first[slot]));

function checkPresence(): Failure | undefined {
  // RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory; we tolerate
  // a missing Max-Forwards (RFC 4475 §3.4.1 inv2543, RFC 2543 peers).
  let missing: string[] | undefined;
  for (const slot of MANDATORY) if (first[slot] === -1) (missing ??= []).push(displayName(SLOTS[slot]));
  return missing ? new Failure('missing-header', `missing ${missing.join(', ')}`) : undefined;
}

function checkSingles(): Failure | undefined {
  return duplicate === -1 ? undefined : new Failure('multiple-values', `more than one ${displayName(SLOTS[duplicate])}`);
}

/** One pass over the Via stack; the parsed values become the message's Via views. */
function checkVias(headers: SipHeaders): Failure | undefined {
  const vias: Via[] = [];
  for (let i = first[VIA]; i < headers.size; i++) {
    if (headers.nameAt(i) !== 'via') continue;
    const via = valueFrom[i] === -1 ? parseVia(headers.rawValueAt(i)) : parseViaIn(headerText, valueFrom[i], valueTo[i]);
    if (!via) return new Failure('bad-via', 'malformed Via');
    vias.push(via);
  }
  headers.setView(VIEWS.vias, vias);
  headers.setView(VIEWS.topVia, vias[0]);
  return undefined;
}

function checkAddress(headers: SipHeaders, slot: typeof FROM | typeof TO, code: ParseErrorCode): Failure | undefined {
  const na = first[slot] === -1 ? undefined : nameAddrAt(headers, first[slot]);
  if (na === undefined) return new Failure(code, `malformed ${displayName(SLOTS[slot])}`);
  headers.setView(slot === FROM ? VIEWS.from : VIEWS.to, na ?? undefined);
  return undefined;
}

/** `readNameAddr` of the i-th header value, read in the header text when it is there. */
function nameAddrAt(headers: SipHeaders, i: number): NameAddr | null | undefined {
  return valueFrom[i] === -1 ? readNameAddr(headers.rawValueAt(i)) : readNameAddrIn(headerText, valueFrom[i], valueTo[i]);
}

function checkCallId(headers: SipHeaders): Failure | undefined {
  const v = firstValue(headers, CALL_ID) ?? '';
  if (v === '') return new Failure('bad-call-id', 'malformed Call-ID');
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // \s of the old check: ASCII white space here, Unicode spaces by the regex below.
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return new Failure('bad-call-id', 'malformed Call-ID');
    if (c > 0x7f) return /\s/.test(v) ? new Failure('bad-call-id', 'malformed Call-ID') : undefined;
  }
  return undefined;
}

function checkCSeq(start: StartLine, headers: SipHeaders): Failure | undefined {
  const i = first[CSEQ];
  const cseq = valueFrom[i] === -1 ? parseCSeq(headers.rawValueAt(i)) : parseCSeqIn(headerText, valueFrom[i], valueTo[i]);
  if (!cseq) return new Failure('bad-cseq', 'malformed CSeq');
  // RFC 3261 §8.1.1.5 and RFC 4475 §3.1.2.17: the CSeq method must match the request method.
  // (§3.1.2.18 mismatch02 prefers 501 for an unknown method; the parser cannot know which
  // methods are implemented, so it reports 400, which the RFC also accepts.)
  if (start.kind === 'request' && cseq.method !== start.method) {
    return new Failure('cseq-method-mismatch', 'CSeq method does not match the request method');
  }
  headers.setView(VIEWS.cseq, cseq);
  return undefined;
}

function checkContacts(headers: SipHeaders): Failure | undefined {
  let contacts: Array<NameAddr | '*'> | undefined = [];
  for (let i = 0; i < headers.size; i++) {
    if (headers.nameAt(i) !== 'contact') continue;
    const v = headers.rawValueAt(i);
    if (v === '*') {
      contacts?.push('*');
      continue;
    }
    const na = nameAddrAt(headers, i);
    if (na === undefined) return new Failure('bad-contact', 'malformed Contact');
    // A foreign-scheme Contact is valid, but getContacts() then has nothing to offer.
    if (na === null) contacts = undefined;
    else contacts?.push(na);
  }
  headers.setView(VIEWS.contacts, contacts);
  return undefined;
}

function isDigits(v: string, max: number): boolean {
  if (v.length === 0 || v.length > max) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function checkContentLength(headers: SipHeaders): Failure | undefined {
  const v = firstValue(headers, CONTENT_LENGTH);
  if (v === undefined || isDigits(v, 10)) return undefined;
  // RFC 4475 §3.1.2.3 ncl: negative or non-numeric values are framing errors.
  return new Failure('bad-content-length', 'malformed Content-Length');
}

/**
 * The body as a view of `buf`, not a copy: each datagram and each message the stream framer cuts
 * out is a buffer of its own, so the view pins nothing else.
 */
function readBody(buf: Buffer, bodyStart: number, headers: SipHeaders, transport: string): Buffer | Failure {
  const cl = firstValue(headers, CONTENT_LENGTH);
  const available = buf.length - bodyStart;
  if (cl === undefined) {
    if (transport === 'stream') return new Failure('missing-content-length', 'Content-Length is required on stream transports');
    return available > 0 ? buf.subarray(bodyStart) : NO_BODY; // RFC 3261 §18.3: datagram = rest of the packet
  }
  const length = Number(cl);
  // RFC 3261 §18.3 / RFC 4475 §3.1.2.2 clerr: a body shorter than Content-Length is a 400.
  if (length > available) return new Failure('body-truncated', 'body shorter than Content-Length');
  // Bytes after the body are discarded (RFC 4475 §3.1.1.8 dblreq).
  return length > 0 ? buf.subarray(bodyStart, bodyStart + length) : NO_BODY;
}

function collectWarnings(headers: SipHeaders): string[] | undefined {
  let warnings: string[] | undefined;
  const mf = firstValue(headers, MAX_FORWARDS);
  if (mf !== undefined && !(isDigits(mf, 3) && Number(mf) <= 255) && parseUnsigned(mf, 255) === undefined) {
    (warnings ??= []).push('Max-Forwards out of range, ignored');
  }
  const branch = headers.view(VIEWS.topVia)?.params.branch;
  if (branch === BRANCH_COOKIE) (warnings ??= []).push('branch has the RFC 3261 cookie but no identifier');
  const date = firstValue(headers, DATE);
  if (date !== undefined && !/ GMT$/.test(date)) (warnings ??= []).push('Date is not in GMT');
  return warnings;
}

const DISPLAY: Record<string, string> = { 'call-id': 'Call-ID', cseq: 'CSeq', via: 'Via', from: 'From', to: 'To' };

function displayName(name: string): string {
  return DISPLAY[name] ?? name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}
