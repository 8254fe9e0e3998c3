/**
 * `voxgate call`: a test call from the command line (issue #15). A SIP+RTP caller on our own
 * `sip/` stack dials a number of the engine (or any SIP URI), plays a WAV file as the caller's
 * voice once the agent's greeting is over, records what it hears, and hangs up after N seconds
 * unless the far end hangs up first. The transcript, end reason and latency waterfall are then
 * read from the REST API (the call row the engine wrote), see report.ts.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createOffer, parseAnswer, parseUri, UserAgent, type Dialog } from '../../sip/index.js';
import { RtpPeer } from './rtp-peer.js';
import { readWavAs8k, writeWav8k } from './wav.js';

export interface TestCallOptions {
  /** Request-URI to dial, e.g. sip:+31850001234@127.0.0.1:5060. */
  target: string;
  /** Caller ID (From user part). */
  from: string;
  /** Local address for SIP and RTP; advertised in Contact and SDP. */
  bind: string;
  wav: string | null;
  record: string | null;
  seconds: number;
  /** Progress lines (stderr). */
  say(line: string): void;
}

export interface TestCallResult {
  answered: boolean;
  sipStatus: number | null;
  reason: string | null;
  /** INVITE sent → 200 OK, ms. */
  setupMs: number | null;
  /** 200 OK → the first voiced audio heard (the greeting), ms. */
  firstAudioMs: number | null;
  hungUpBy: 'caller' | 'far end' | null;
  durationMs: number;
  packetsSent: number;
  packetsReceived: number;
  recorded: string | null;
  sipCallId: string | null;
}

/** The greeting is over once the far end was quiet this long after speaking. */
const GREETING_PAUSE_MS = 700;
/** Without a greeting, the caller starts talking after this. */
const NO_GREETING_MS = 4_000;

export function defaultCallerId(): string {
  return `+1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export function targetHost(target: string): string | null {
  return parseUri(target)?.host ?? null;
}

export async function placeTestCall(o: TestCallOptions): Promise<TestCallResult> {
  const voice = o.wav ? await readWavAs8k(o.wav) : null;
  const ua = new UserAgent({ transports: [{ protocol: 'udp', host: o.bind, port: 0 }], publicAddress: o.bind, userAgentHeader: 'voxgate-call' });
  await ua.listen();
  const rtp = await RtpPeer.bind(o.bind);
  const offer = createOffer({ address: o.bind, port: rtp.port, codecs: ['PCMU', 'PCMA'], telephoneEvent: false, sessionId: String(Date.now()), version: 1 });
  const result: TestCallResult = {
    answered: false,
    sipStatus: null,
    reason: null,
    setupMs: null,
    firstAudioMs: null,
    hungUpBy: null,
    durationMs: 0,
    packetsSent: 0,
    packetsReceived: 0,
    recorded: null,
    sipCallId: null,
  };
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    o.say(`calling ${o.target} from ${o.from}`);
    const invitedAt = performance.now();
    const outcome = await ua.createUAC(o.target, { localSdp: offer, callingNumber: o.from, signal: interrupt.signal, ringTimeoutMs: 60_000 });
    if (!outcome.ok) {
      result.sipStatus = outcome.error.status ?? null;
      result.reason = outcome.error.message;
      return result;
    }
    const dialog = outcome.dialog;
    const answeredAt = performance.now();
    Object.assign(result, { answered: true, sipStatus: 200, setupMs: Math.round(answeredAt - invitedAt), sipCallId: dialog.callId });
    const negotiated = parseAnswer(offer, dialog.remoteSdp ?? '');
    if (!negotiated.ok) {
      await dialog.bye().catch(() => undefined);
      result.reason = `unusable SDP answer: ${negotiated.error.message}`;
      return result;
    }
    const n = negotiated.negotiated;
    rtp.start({ address: n.remoteAddress, port: n.remotePort, pt: n.payloadType, codec: n.codec === 'PCMA' ? 'PCMA' : 'PCMU' });
    o.say(`answered in ${result.setupMs} ms (${n.codec}); talking for up to ${o.seconds} s`);
    result.hungUpBy = await converse(dialog, rtp, voice, o.seconds * 1000, answeredAt, interrupt.signal, o.say);
    result.durationMs = Math.round(performance.now() - answeredAt);
    result.firstAudioMs = rtp.firstVoicedAt === null ? null : Math.round(rtp.firstVoicedAt - answeredAt);
    return result;
  } finally {
    process.off('SIGINT', onSigint);
    result.packetsSent = rtp.packetsSent;
    result.packetsReceived = rtp.packetsReceived;
    rtp.close();
    await ua.close(500).catch(() => undefined);
    if (o.record && result.answered) {
      await writeWav8k(o.record, rtp.heard());
      result.recorded = o.record;
    }
  }
}

/** Plays the voice after the greeting; ends on the far end's BYE, the time limit, or Ctrl-C. */
async function converse(
  dialog: Dialog,
  rtp: RtpPeer,
  voice: Int16Array | null,
  limitMs: number,
  answeredAt: number,
  interrupted: AbortSignal,
  say: (line: string) => void,
): Promise<'caller' | 'far end'> {
  let voiceStarted = voice === null;
  return new Promise((resolve) => {
    const finish = (by: 'caller' | 'far end') => {
      clearInterval(watch);
      clearTimeout(limit);
      interrupted.removeEventListener('abort', hangUp);
      if (by === 'caller') {
        say('hanging up');
        void dialog.bye().catch(() => undefined).then(() => resolve(by));
      } else {
        say('the far end hung up');
        resolve(by);
      }
    };
    const hangUp = () => finish('caller');
    dialog.once('bye', () => finish('far end'));
    interrupted.addEventListener('abort', hangUp);
    const limit = setTimeout(hangUp, limitMs);
    const watch = setInterval(() => {
      if (voiceStarted || !voice) return;
      const now = performance.now();
      const greetingOver = rtp.lastVoicedAt !== null && now - rtp.lastVoicedAt > GREETING_PAUSE_MS;
      if (greetingOver || (rtp.firstVoicedAt === null && now - answeredAt > NO_GREETING_MS)) {
        voiceStarted = true;
        say(`playing ${(voice.length / 8000).toFixed(1)} s of caller audio`);
        rtp.play(voice);
      }
    }, 50);
  });
}
