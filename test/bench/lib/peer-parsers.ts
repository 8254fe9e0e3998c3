/**
 * The parsers compared by `npm run bench -- peers`, each in two modes:
 * - `default`: what the library does when handed a datagram (its own idea of "parsed");
 * - `full`: that, plus reading every header value the library can give in parsed form, and the
 *   Request-URI and the From/To/Contact URIs as objects (what voxgate's default already
 *   validates). Each function returns the Call-ID it read, so that a parser that silently fails
 *   is noticed (a failure is reported instead of a figure).
 */
import { createRequire } from 'node:module';
import {
  getCSeq,
  getCallId,
  getContacts,
  getContentType,
  getFrom,
  getMaxForwards,
  getRoutes,
  getTo,
  getVias,
  parseMessage,
} from '../../../sip/message/index.js';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
type ParseFn = (buf: Buffer) => string | undefined;

export interface PeerParser {
  name: string;
  describe: { default: string; full: string };
  default: ParseFn;
  full: ParseFn;
}

const voxgate: PeerParser = {
  name: 'voxgate',
  describe: {
    default: 'parseMessage: validates start line, Request-URI, Via, From, To, Call-ID, CSeq, Contact, Content-Length (RFC 4475 strict); other headers raw, parsed on first access',
    full: 'default + getVias, getFrom, getTo, getCSeq, getCallId, getContacts, getRoutes(route, record-route), getMaxForwards, getContentType and the raw value of every other header',
  },
  default(buf) {
    const r = parseMessage(buf);
    return r.ok ? r.message.headers.get('call-id') : undefined;
  },
  full(buf) {
    const r = parseMessage(buf);
    if (!r.ok) return undefined;
    const m = r.message;
    if (!getVias(m) || !getFrom(m) || !getTo(m) || !getCSeq(m) || !getContacts(m) || !getRoutes(m) || !getRoutes(m, 'record-route')) return undefined;
    getMaxForwards(m);
    getContentType(m);
    for (let i = 0; i < m.headers.size; i++) if (m.headers.valueAt(i) === undefined) return undefined;
    return getCallId(m);
  },
};

function sipPackage(): PeerParser {
  const sip = require('sip');
  return {
    name: 'sip',
    describe: {
      default: 'sip.parse (npm `sip` 0.0.6): Via, From, To, Contact, Route, Record-Route, CSeq, auth headers parsed eagerly, URIs left as strings, no validation',
      full: 'default + sip.parseUri of the Request-URI, From, To and every Contact URI',
    },
    default(buf) {
      return sip.parse(buf)?.headers['call-id'];
    },
    full(buf) {
      const m = sip.parse(buf);
      if (!m) return undefined;
      if (m.method && !sip.parseUri(m.uri)) return undefined;
      sip.parseUri(m.headers.from.uri);
      sip.parseUri(m.headers.to.uri);
      for (const c of m.headers.contact ?? []) sip.parseUri(c.uri);
      return m.headers['call-id'];
    },
  };
}

function drachtio(): PeerParser {
  const { SipMessage, parser } = require('drachtio-sip');
  return {
    name: 'drachtio-sip',
    describe: {
      default: "new SipMessage(text) (drachtio-sip 0.6.3, drachtio-srf's parser): lazy mode, every header kept as a raw string, no validation",
      full: 'default + getParsedHeader() of every header (its Via, From, To, Contact, CSeq, Route… parsers) and parseUri of the Request-URI, From, To, Contact',
    },
    default(buf) {
      return new SipMessage(buf.toString('utf8')).headers['call-id'];
    },
    full(buf) {
      const m = new SipMessage(buf.toString('utf8'));
      for (const name of Object.keys(m.headers)) m.getParsedHeader(name);
      if (m.method && !parser.parseUri(m.uri)) return undefined;
      parser.parseUri(m.getParsedHeader('from').uri);
      parser.parseUri(m.getParsedHeader('to').uri);
      if (m.has('contact')) for (const c of m.getParsedHeader('contact')) parser.parseUri(c.uri);
      return m.headers['call-id'];
    },
  };
}

function jssip(): PeerParser {
  const Parser = require('jssip/lib/Parser');
  const ua = { configuration: {} };
  return {
    name: 'jssip',
    describe: {
      default: 'JsSIP Parser.parseMessage (jssip 3.13): PEG grammar per known header (Via, From, To, Contact, CSeq, Call-ID…), URIs as objects',
      full: 'same as default (it already parses every header it knows and its URIs)',
    },
    default(buf) {
      return Parser.parseMessage(buf.toString('utf8'), ua)?.call_id;
    },
    full(buf) {
      return Parser.parseMessage(buf.toString('utf8'), ua)?.call_id;
    },
  };
}

async function sipJs(): Promise<PeerParser> {
  const { Parser } = (await import('sip.js/lib/core/messages/parser.js')) as any;
  const logger = { log() {}, warn() {}, error() {}, debug() {} };
  return {
    name: 'sip.js',
    describe: {
      default: 'SIP.js Parser.parseMessage (sip.js 0.21): PEG grammar per known header, URIs as objects',
      full: 'same as default (it already parses every header it knows and its URIs)',
    },
    default(buf) {
      return Parser.parseMessage(buf.toString('utf8'), logger)?.callId;
    },
    full(buf) {
      return Parser.parseMessage(buf.toString('utf8'), logger)?.callId;
    },
  };
}

/** The parsers that load on this machine (a missing peer is reported, not fatal). */
export async function loadParsers(): Promise<{ parsers: PeerParser[]; missing: Record<string, string> }> {
  const parsers: PeerParser[] = [voxgate];
  const missing: Record<string, string> = {};
  for (const [name, load] of [['sip', sipPackage], ['drachtio-sip', drachtio], ['jssip', jssip], ['sip.js', sipJs]] as const) {
    try {
      parsers.push(await load());
    } catch (err) {
      missing[name] = err instanceof Error ? err.message : String(err);
    }
  }
  return { parsers, missing };
}
