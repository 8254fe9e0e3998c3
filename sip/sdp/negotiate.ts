/**
 * RFC 3264 offer/answer for one audio stream: answer a remote offer, make our own offer, and
 * read the answer to it. Every m-line of an offer gets an m-line in the answer; the ones we
 * do not use are refused with port 0 (§6). Failures are typed results, never exceptions.
 */
import type { MediaDescription } from 'sdp-transform';
import { codecOf, isNullAddress, isPlainRtp, isTelephoneEvent, malformed, readSession, type RemoteMedia, type RtpFormat } from './read.js';
import { CODEC_INFO, DEFAULT_PT, audioMedia, rejectedMedia, writeSession, type AudioFormat } from './write.js';
import type { AudioCodec, Direction, LocalMedia, NegotiatedAudio, SdpError, SdpResult } from './types.js';

const noCodec = (message: string): SdpError => ({ code: 'no-common-codec', message, status: 488 });
const mismatch = (message: string): SdpError => ({ code: 'answer-mismatch', message, status: 400 });

const canSend = (d: Direction): boolean => d === 'sendrecv' || d === 'sendonly';
const canRecv = (d: Direction): boolean => d === 'sendrecv' || d === 'recvonly';

function direction(send: boolean, recv: boolean): Direction {
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

/**
 * Our direction answering a remote one (RFC 3264 §6.1): we send only if they receive, and
 * receive only if they send; `local` limits both.
 */
export function answerDirection(remote: Direction, local: Direction = 'sendrecv'): Direction {
  return direction(canRecv(remote) && canSend(local), canSend(remote) && canRecv(local));
}

/** Remote direction as it really is: RFC 2543 hold (c=0.0.0.0) means "do not send to me". */
function effectiveRemoteDirection(m: RemoteMedia): Direction {
  return isNullAddress(m.address) ? direction(canSend(m.direction), false) : m.direction;
}

/** Offer order is kept among what we support (RFC 3264 §6.1). */
function commonCodecs(m: RemoteMedia, local: LocalMedia): Array<{ format: RtpFormat; codec: AudioCodec }> {
  const out: Array<{ format: RtpFormat; codec: AudioCodec }> = [];
  for (const format of m.formats) {
    const codec = codecOf(format);
    if (codec && local.codecs.includes(codec) && !out.some((c) => c.codec === codec)) out.push({ format, codec });
  }
  return out;
}

function negotiatedFrom(
  m: RemoteMedia,
  chosen: { format: RtpFormat; codec: AudioCodec },
  te: RtpFormat | undefined,
  ptime: number,
  ourDirection: Direction,
): NegotiatedAudio {
  const info = CODEC_INFO[chosen.codec];
  const out: NegotiatedAudio = {
    payloadType: chosen.format.payloadType,
    codec: chosen.codec,
    clockRate: info.clockRate,
    channels: info.channels,
    ptime,
    remoteAddress: m.address ?? '',
    remotePort: m.port,
    remoteRtcpPort: m.rtcpPort ?? m.port + 1,
    direction: ourDirection,
    hold: !canRecv(m.direction) || isNullAddress(m.address),
    mediaIndex: m.index,
  };
  if (te) out.telephoneEventPt = te.payloadType;
  return out;
}

function answerAudio(m: RemoteMedia, local: LocalMedia): { media: MediaDescription; negotiated: NegotiatedAudio } | undefined {
  if (m.port === 0 || !isPlainRtp(m.protocol) || !m.address) return undefined;
  const common = commonCodecs(m, local);
  if (common.length === 0) return undefined;
  const chosen = common[0];
  const listed = local.answerAllCodecs ? common : [chosen];
  const clockRate = CODEC_INFO[chosen.codec].clockRate;
  const te = local.telephoneEvent === false ? undefined : m.formats.find((f) => isTelephoneEvent(f, clockRate));
  // RFC 3264 §6.1 / RFC 4566 §6: a=ptime is a receiver's wish; we send with the offerer's.
  const ptime = m.ptime ?? local.ptime ?? 20;
  const ours = answerDirection(effectiveRemoteDirection(m), local.direction);
  const formats: AudioFormat[] = listed.map(({ format, codec }) => ({
    payloadType: format.payloadType,
    codec,
    clockRate: CODEC_INFO[codec].clockRate,
    channels: CODEC_INFO[codec].channels,
    ...(codec === 'opus' ? { fmtp: 'useinbandfec=1' } : {}),
  }));
  if (te) formats.push({ payloadType: te.payloadType, codec: 'telephone-event', clockRate, fmtp: te.fmtp ?? '0-16' });
  const media = audioMedia(local.port, formats, ours, ptime, local.rtcpPort);
  return { media, negotiated: negotiatedFrom(m, chosen, te, ptime, ours) };
}

/**
 * Answers a remote offer (RFC 3264 §6). The first acceptable audio m-line is used; every other
 * m-line is refused with port 0. `no-common-codec` means: answer the INVITE with 488.
 */
export function createAnswer(offer: string | Buffer, local: LocalMedia): SdpResult<{ sdp: string; negotiated: NegotiatedAudio }> {
  const session = readSession(offer);
  if ('code' in session) return { ok: false, error: session };
  let negotiated: NegotiatedAudio | undefined;
  const media: MediaDescription[] = [];
  for (const m of session.media) {
    const accepted = !negotiated && m.type === 'audio' ? answerAudio(m, local) : undefined;
    if (accepted) {
      negotiated = accepted.negotiated;
      media.push(accepted.media);
    } else media.push(rejectedMedia(m.type, m.protocol, m.payloads));
  }
  if (!negotiated) return { ok: false, error: noCodec('no audio stream with a codec we support') };
  return { ok: true, sdp: writeSession(local, media), negotiated };
}

/** Our offer: one audio m-line with our codecs in preference order, plus telephone-event. */
export function createOffer(local: LocalMedia): string {
  const formats: AudioFormat[] = local.codecs.map((codec) => ({
    payloadType: DEFAULT_PT[codec],
    codec,
    ...CODEC_INFO[codec],
    ...(codec === 'opus' ? { fmtp: 'useinbandfec=1' } : {}),
  }));
  if (local.telephoneEvent !== false) {
    if (local.codecs.some((c) => c !== 'opus')) formats.push({ payloadType: DEFAULT_PT.te8000, codec: 'telephone-event', clockRate: 8000, fmtp: '0-16' });
    if (local.codecs.includes('opus')) formats.push({ payloadType: DEFAULT_PT.te48000, codec: 'telephone-event', clockRate: 48000, fmtp: '0-16' });
  }
  return writeSession(local, [audioMedia(local.port, formats, local.direction ?? 'sendrecv', local.ptime ?? 20, local.rtcpPort)]);
}

/**
 * Reads the answer to an offer we made (RFC 3264 §5, §6): same number of m-lines, and the
 * answerer may only use formats we offered. The first format of the answer we implement wins.
 */
export function parseAnswer(offer: string | Buffer, answer: string | Buffer): SdpResult<{ negotiated: NegotiatedAudio }> {
  const ours = readSession(offer);
  if ('code' in ours) return { ok: false, error: malformed(`our offer is invalid: ${ours.message}`) };
  const theirs = readSession(answer);
  if ('code' in theirs) return { ok: false, error: theirs };
  if (theirs.media.length !== ours.media.length) return { ok: false, error: mismatch('answer has a different number of m-lines') };
  for (const m of theirs.media) {
    const offered = ours.media[m.index];
    if (m.type !== 'audio' || m.port === 0 || offered.type !== 'audio' || offered.port === 0 || !m.address) continue;
    const offeredCodecs = new Set(offered.formats.map((f) => codecOf(f)).filter((c): c is AudioCodec => !!c));
    const chosenFormat = m.formats.find((f) => {
      const codec = codecOf(f);
      return codec !== undefined && offeredCodecs.has(codec);
    });
    if (!chosenFormat) return { ok: false, error: noCodec('the answer uses no codec we offered') };
    const chosen = { format: chosenFormat, codec: codecOf(chosenFormat)! };
    const clockRate = CODEC_INFO[chosen.codec].clockRate;
    const te = offered.formats.some((f) => isTelephoneEvent(f, clockRate)) ? m.formats.find((f) => isTelephoneEvent(f, clockRate)) : undefined;
    const ourDir = answerDirection(effectiveRemoteDirection(m), offered.direction);
    return { ok: true, negotiated: negotiatedFrom(m, chosen, te, m.ptime ?? offered.ptime ?? 20, ourDir) };
  }
  return { ok: false, error: noCodec('the answer accepted no audio stream') };
}
