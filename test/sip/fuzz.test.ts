/**
 * Deterministic fuzzing of the message layer: 100 000+ mutations of the RFC 4475 fixtures go
 * through parseMessage and the TCP framer. Nothing may throw, every result must be
 * well-formed, and memory must not grow with the number of messages.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_SIZE,
  SipHeaders,
  SipStreamFramer,
  getCSeq,
  getContacts,
  getFrom,
  getTo,
  getTopVia,
  parseMessage,
  serializeMessage,
  type ParseResult,
} from '../../sip/message/index.js';

const dir = fileURLToPath(new URL('./torture/', import.meta.url));
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.dat'))
  .sort()
  .map((f) => readFileSync(dir + f));

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

const HEADER_NAMES = ['Via', 'v', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Length', 'l', 'Route', 'X-Fuzz', 'Max-Forwards', 'WWW-Authenticate'];
const NASTY = ['"', '<', '>', ',', ';', '=', '\\', '%', '%00', '\r', '\n', '\r\n ', '\t', ':', '@', '[', ']', '\u0000', '\u00ff', '\uFEFF', '0', '-1', '99999999999999999999'];

function lines(buf: Buffer): string[] {
  return buf.toString('latin1').split('\r\n');
}
const join = (ls: string[]): Buffer => Buffer.from(ls.join('\r\n'), 'latin1');

const MUTATORS: Array<(r: Rand, b: Buffer) => Buffer> = [
  // bit flips
  (r, b) => {
    const out = Buffer.from(b);
    for (let i = 1 + int(r, 8); i > 0 && out.length > 0; i--) out[int(r, out.length)] ^= 1 << int(r, 8);
    return out;
  },
  // truncation
  (r, b) => b.subarray(0, int(r, b.length + 1)),
  // duplicate a line
  (r, b) => {
    const ls = lines(b);
    const i = int(r, ls.length);
    ls.splice(i, 0, ls[i]);
    return join(ls);
  },
  // delete a line
  (r, b) => {
    const ls = lines(b);
    ls.splice(int(r, ls.length), 1);
    return join(ls);
  },
  // random header insertion with nasty characters
  (r, b) => {
    const ls = lines(b);
    let value = '';
    for (let i = int(r, 12); i > 0; i--) value += r() < 0.5 ? pick(r, NASTY) : 'abc';
    ls.splice(1 + int(r, Math.max(1, ls.length - 1)), 0, `${pick(r, HEADER_NAMES)}: ${value}`);
    return join(ls);
  },
  // huge value
  (r, b) => {
    const ls = lines(b);
    ls.splice(1, 0, `${pick(r, HEADER_NAMES)}: ${pick(r, NASTY).repeat(1 + int(r, 20000))}`);
    return join(ls);
  },
  // random bytes spliced in
  (r, b) => {
    const junk = Buffer.alloc(1 + int(r, 64));
    for (let i = 0; i < junk.length; i++) junk[i] = int(r, 256);
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
  },
  // CRLF variations
  (r, b) => {
    const s = b.toString('latin1');
    const variant = int(r, 4);
    const out =
      variant === 0 ? s.replace(/\r\n/g, '\n') : variant === 1 ? s.replace(/\r\n/g, '\r') : variant === 2 ? '\r\n\r\n' + s : s.replace(/\r\n/, '\r\n\r\n');
    return Buffer.from(out, 'latin1');
  },
  // splice a value from another message
  (r, b) => {
    const ls = lines(b);
    const other = lines(pick(r, seeds));
    ls[int(r, ls.length)] = pick(r, other);
    return join(ls);
  },
  // number games on Content-Length / CSeq
  (r, b) => {
    const s = b.toString('latin1').replace(/(Content-Length|CSeq|l)(\s*:\s*)(\d+)/i, (_m, n: string, sep: string) => n + sep + pick(r, ['0', '-5', '4294967296', '1e3', '00000000000001', String(int(r, 70000))]));
    return Buffer.from(s, 'latin1');
  },
];

function mutate(r: Rand, seed: Buffer): Buffer {
  let b = seed;
  for (let i = 1 + int(r, 3); i > 0; i--) b = pick(r, MUTATORS)(r, b);
  return b.length > MAX_MESSAGE_SIZE + 100 ? b.subarray(0, MAX_MESSAGE_SIZE + 100) : b;
}

function checkResult(r: ParseResult): void {
  if (r.ok) {
    const m = r.message;
    if (!(m.headers instanceof SipHeaders) || !Buffer.isBuffer(m.body)) throw new Error('malformed message object');
    if (m.kind === 'request') {
      if (typeof m.method !== 'string' || m.method === '' || typeof m.uri?.host !== 'string') throw new Error('bad request');
    } else if (!(m.status >= 100 && m.status <= 699) || typeof m.reason !== 'string') throw new Error('bad response');
    // Validated headers must be readable by the getters, and what we write must parse again.
    if (!getTopVia(m) || !getCSeq(m)) throw new Error('validated Via/CSeq unreadable');
    getFrom(m);
    getTo(m);
    getContacts(m);
    // Invalid UTF-8 becomes U+FFFD (3 bytes) when decoded, so a message near the size limit
    // may outgrow it once written back; anything else must parse again.
    const again = parseMessage(serializeMessage(m));
    if (!again.ok && again.code !== 'too-large') throw new Error(`serialized message does not parse: ${again.code} ${again.reason}`);
  } else if (typeof r.code !== 'string' || typeof r.reason !== 'string' || r.reason === '') {
    throw new Error('malformed failure');
  }
}

describe('fuzz: parseMessage and SipStreamFramer', () => {
  it('survive 100 000 mutated messages without throwing or growing memory', () => {
    const rand = prng(0x5eed);
    const before = process.memoryUsage().heapUsed;
    let ok = 0;
    let failed = 0;
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      const input = mutate(rand, seeds[i % seeds.length]);
      let result: ParseResult;
      try {
        result = parseMessage(input);
        checkResult(result);
      } catch (err) {
        throw new Error(`iteration ${i}: ${(err as Error).message}\n${JSON.stringify(input.toString('latin1').slice(0, 600))}`);
      }
      if (result.ok) ok++;
      else failed++;
    }
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    expect(ok + failed).toBe(N);
    expect(ok).toBeGreaterThan(1000); // the mutations keep plenty of messages valid
    expect(failed).toBeGreaterThan(1000);
    expect(grownMb).toBeLessThan(50);
  });

  it('the framer survives mutated streams cut at random points', () => {
    const rand = prng(0xf4a3e);
    let messages = 0;
    for (let conn = 0; conn < 2_000; conn++) {
      const framer = new SipStreamFramer();
      const parts: Buffer[] = [];
      for (let i = 1 + int(rand, 8); i > 0; i--) {
        parts.push(rand() < 0.5 ? pick(rand, seeds) : mutate(rand, pick(rand, seeds)));
        if (rand() < 0.2) parts.push(Buffer.from(pick(rand, ['\r\n', '\r\n\r\n', '\n'])));
      }
      const stream = Buffer.concat(parts);
      for (let at = 0; at < stream.length && !framer.closed; ) {
        const n = 1 + int(rand, rand() < 0.1 ? 5 : 1500);
        for (const e of framer.push(stream.subarray(at, at + n))) {
          if (e.type === 'message') {
            messages++;
            checkResult({ ok: true, message: e.message });
          } else if (e.type === 'invalid') checkResult(e.failure);
          else if (e.type === 'error') expect(framer.closed).toBe(true);
        }
        at += n;
        expect(framer.pendingBytes).toBeLessThanOrEqual(MAX_MESSAGE_SIZE);
      }
    }
    expect(messages).toBeGreaterThan(1000);
  });
});
