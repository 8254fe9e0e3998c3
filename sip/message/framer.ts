/**
 * Stream framer for SIP over TCP/TLS (RFC 3261 §18.3): feed it chunks as they arrive, get
 * back complete messages. Content-Length is mandatory on streams; a message without one, or
 * with an unreadable one, is a framing error after which the connection must be closed.
 *
 * Keep-alives (RFC 5626 §3.5.1): a double CRLF between messages is a ping, which the
 * transport answers with a single CRLF; a lone CRLF is a pong. Detection works on what is
 * buffered at a message boundary, so a ping split across two TCP segments reads as two pongs.
 *
 * Memory is bounded: the framer never holds more than MAX_MESSAGE_SIZE bytes.
 */
import { MAX_MESSAGE_SIZE, parseMessage, type ParseFailure } from './parse.js';
import type { SipMessage } from './types.js';

export type FramerEvent =
  | { type: 'message'; message: SipMessage; warnings?: string[] }
  /** A complete frame whose content is invalid: answer it (400…) and keep the connection. */
  | { type: 'invalid'; failure: ParseFailure }
  /** RFC 5626 ping (CRLFCRLF): answer with one CRLF. */
  | { type: 'ping' }
  /** RFC 5626 pong (a lone CRLF). */
  | { type: 'pong' }
  /** Framing is lost: close the connection. Nothing more will be produced. */
  | { type: 'error'; code: 'headers-too-large' | 'message-too-large' | 'missing-content-length' | 'bad-content-length'; reason: string };

export class SipStreamFramer {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;
  /** Start of the header line being scanned, and the next byte to examine: each byte is scanned once. */
  private lineStart = 0;
  private scanPos = 0;
  /** Total frame size once the headers of the current message have been read. */
  private frameSize = -1;
  private failed = false;

  constructor(private readonly maxMessageSize = MAX_MESSAGE_SIZE) {}

  /** Bytes of an incomplete message held right now (the transport can time it out). */
  get pendingBytes(): number {
    return this.len;
  }

  get closed(): boolean {
    return this.failed;
  }

  push(chunk: Buffer): FramerEvent[] {
    const events: FramerEvent[] = [];
    let offset = 0;
    while (!this.failed && offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.maxMessageSize - this.len);
      if (n === 0) {
        this.fail(events, 'headers-too-large', 'no complete message within the size limit');
        break;
      }
      this.append(chunk.subarray(offset, offset + n));
      offset += n;
      this.drain(events);
    }
    return events;
  }

  private append(data: Buffer): void {
    if (this.len + data.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(this.buf.length * 2, this.len + data.length), this.maxMessageSize));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    data.copy(this.buf, this.len);
    this.len += data.length;
  }

  private consume(n: number): void {
    this.buf.copy(this.buf, 0, n, this.len);
    this.len -= n;
    this.lineStart = 0;
    this.scanPos = 0;
    this.frameSize = -1;
  }

  private drain(events: FramerEvent[]): void {
    while (!this.failed && this.len > 0) {
      if (this.frameSize < 0 && !this.readKeepAlives(events)) return;
      if (this.frameSize < 0 && !this.readHead(events)) return;
      if (this.len < this.frameSize) return;
      const frame = Buffer.from(this.buf.subarray(0, this.frameSize));
      this.consume(this.frameSize);
      const result = parseMessage(frame, { transport: 'stream' });
      if (result.ok) events.push(result.warnings ? { type: 'message', message: result.message, warnings: result.warnings } : { type: 'message', message: result.message });
      else events.push({ type: 'invalid', failure: result });
    }
  }

  /** Consumes CRLFs at a message boundary. Returns false when it must wait for more bytes. */
  private readKeepAlives(events: FramerEvent[]): boolean {
    let i = 0;
    while (i + 1 < this.len && this.buf[i] === 0x0d && this.buf[i + 1] === 0x0a) i += 2;
    if (i === 0) {
      if (this.buf[0] === 0x0a || (this.buf[0] === 0x0d && this.len === 1)) {
        // bare LF (or a CR waiting for its LF) before a start line: skip / wait
        if (this.buf[0] === 0x0a) this.consume(1);
        return this.len > 0 && this.buf[0] !== 0x0d;
      }
      return true;
    }
    const pairs = i / 2;
    for (let p = 0; p + 1 < pairs; p += 2) events.push({ type: 'ping' });
    // An odd CRLF alone in the buffer is a pong; one followed by data is just noise before
    // the start line (RFC 3261 §7.5).
    if (pairs % 2 === 1 && i === this.len) events.push({ type: 'pong' });
    this.consume(i);
    return this.len > 0;
  }

  /** Finds the end of the header section and the frame size. False = wait or failed. */
  private readHead(events: FramerEvent[]): boolean {
    const end = this.scanHeaderEnd();
    if (!end) {
      if (this.len >= this.maxMessageSize) this.fail(events, 'headers-too-large', 'header section too large');
      return false;
    }
    const cl = readContentLength(this.buf.toString('utf8', 0, end.headEnd));
    if (typeof cl === 'string') {
      this.fail(events, cl === 'missing' ? 'missing-content-length' : 'bad-content-length',
        cl === 'missing' ? 'Content-Length is required on stream transports' : 'malformed Content-Length');
      return false;
    }
    if (end.bodyStart + cl > this.maxMessageSize) {
      this.fail(events, 'message-too-large', `message larger than ${this.maxMessageSize} bytes`);
      return false;
    }
    this.frameSize = end.bodyStart + cl;
    return true;
  }

  /** Incremental search for the empty line that ends the header section. */
  private scanHeaderEnd(): { headEnd: number; bodyStart: number } | undefined {
    const view = this.buf.subarray(0, this.len);
    for (;;) {
      const nl = view.indexOf(0x0a, this.scanPos);
      if (nl === -1) {
        this.scanPos = this.len;
        return undefined;
      }
      const lineEnd = nl > this.lineStart && view[nl - 1] === 0x0d ? nl - 1 : nl;
      if (lineEnd === this.lineStart && this.lineStart !== 0) return { headEnd: this.lineStart, bodyStart: nl + 1 };
      this.lineStart = this.scanPos = nl + 1;
    }
  }

  private fail(events: FramerEvent[], code: Extract<FramerEvent, { type: 'error' }>['code'], reason: string): void {
    this.failed = true;
    this.len = 0;
    this.buf = Buffer.alloc(0);
    events.push({ type: 'error', code, reason });
  }
}

/**
 * Content-Length from a raw header section ('l' is its compact form). Several values, or
 * a non-numeric one, make the frame boundary unknowable (RFC 4475 §3.1.2.3, §3.3.9).
 */
function readContentLength(head: string): number | 'missing' | 'bad' {
  let found: string | undefined;
  const lines = head.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon === -1 || line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    let value = line.slice(colon + 1).trim();
    // a folded value continues on the next lines
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) value += ' ' + lines[++i].trim();
    if (found !== undefined) return 'bad';
    found = value;
  }
  if (found === undefined) return 'missing';
  return /^\d{1,10}$/.test(found) ? Number(found) : 'bad';
}
