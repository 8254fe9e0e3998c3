/**
 * Handing a caller to a person (flireo-api A.5, issue #10), started by the agent's `transferCall`
 * or the `transfer` control, through the number's transfer trunk:
 *
 * - bridged (default): the target is dialed while the agent says its message; the caller then
 *   hears ringback (never silence); on answer the two RTP legs are bridged in the media worker
 *   that owns the call and the agent leaves; on busy, declined, no answer or failure the target
 *   leg is torn down and the agent gets the outcome and carries on;
 * - blind (`transfer_mode: "refer"`): a REFER to the caller's side, the outcome read from the
 *   NOTIFY sipfrags.
 *
 * A transfer never blocks the API or the model on the far end: it reports its steps to its host
 * (the call owner), which owns the status, the events and the legs.
 */
import { randomUUID } from 'node:crypto';
import type { MediaPool, WorkerToMain } from '../../media/index.js';
import type { Dialog as SipDialog, SipError, UserAgent } from '../../sip/index.js';
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';
import { normalizeE164 } from '../phone.js';
import { bounded, OutboundLeg } from './legs.js';
import { CallSdp } from './sdp.js';
import { requestUri, trunkOf, type Trunk, type TrunkRow } from './trunks.js';
import { sipOutcome, type SipOutcome } from './vocabulary.js';

export const DEFAULT_TRANSFER_TIMEOUT_S = 30;
/** REFER: no final NOTIFY this long after the ring timeout → treated as transferred. */
const REFER_GRACE_MS = 10_000;
const MEDIA_STOP_TIMEOUT_MS = 3_000;

export interface TransferRequest {
  /** E.164, or a SIP URI. */
  destination: string;
  /** Spoken to the caller while the target is dialed (warm: said to the person as the briefing). */
  message?: string;
  timeoutSeconds?: number;
  /** `warm`: the person is briefed by the agent and accepts or declines before the bridge. */
  mode?: 'warm';
}

/** The tools the briefing agent of a warm transfer has; the person's answer, as the call owner takes it. */
export const ACCEPT_TRANSFER_TOOL = 'accept_transfer';
export const DECLINE_TRANSFER_TOOL = 'decline_transfer';

/** How long a warm transfer waits for the person's yes or no once they answered. */
export const CONSULT_TIMEOUT_MS = 60_000;

export type ConsultDecision = { accepted: true; via: string } | { accepted: false; outcome: SipOutcome; reason: string };

/** What the target leg's media runs: nothing (bridged transfers) or a briefing agent (warm). */
export interface TargetMedia {
  agent: unknown;
  providers: Record<string, { baseUrl?: string; apiKey?: string } | undefined>;
}

export type TransferMode = 'bridge' | 'refer' | 'warm';

export type TransferOutcome =
  | { status: 'transferred'; target: string; mode: TransferMode }
  | { status: SipOutcome; target: string; mode: TransferMode; sipCode: number | null; reason: string };

/** What a transfer needs from the call it belongs to. */
export interface TransferHost {
  readonly id: string;
  readonly orgId: string;
  readonly pool: MediaPool;
  readonly ua: UserAgent;
  readonly publicIp: string;
  /** Our number on the call (dialed inbound, caller ID outbound) and the customer's. */
  readonly ourNumber: string | null;
  readonly customerNumber: string | null;
  customerDialog(): SipDialog | null;
  /** A step for the call's events (`call_events`). */
  note(step: string, data: Record<string, unknown>): void;
  /** The target answered and the legs are bridged (bridged mode). */
  bridged(target: TargetLeg): void;
  /** The target leg ended by itself after the bridge: the whole call ends. */
  targetHungUp(): void;
}

/** A transfer target's SIP leg and its media half, colocated with the call's worker. */
export class TargetLeg {
  readonly mediaId = randomUUID();
  readonly leg: OutboundLeg;
  private mediaStarted = false;
  private ended: Promise<unknown> | null = null;
  private resolveEnded: (() => void) | null = null;

  constructor(private readonly host: TransferHost) {
    this.leg = new OutboundLeg(host.ua);
  }

  get dialog(): SipDialog | null {
    return this.leg.dialog;
  }

  /** The target's media session in the worker of the call (audio never crosses a thread). */
  async startMedia(media: TargetMedia = { agent: { kind: 'transfer-target' }, providers: {} }): Promise<CallSdp> {
    this.mediaStarted = true;
    this.ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));
    const ready = await this.host.pool.startCall({
      callId: this.mediaId,
      direction: 'outbound',
      remote: null,
      codec: 'PCMU',
      agent: media.agent,
      providers: media.providers,
      media: { record: false, emptyPlayout: 'silence' },
      colocateWith: this.host.id,
    });
    const sdp = new CallSdp(this.host.publicIp);
    sdp.bind(ready.local.port);
    return sdp;
  }

  /** The worker said the target's media ended. */
  mediaEnded(): void {
    this.mediaStarted = false;
    this.resolveEnded?.();
    this.decide?.({ accepted: false, outcome: 'declined', reason: 'the person hung up' });
  }

  private decide: ((decision: ConsultDecision) => void) | null = null;

  /** The person hung up (BYE) while being briefed. */
  peerHungUp(): void {
    this.decide?.({ accepted: false, outcome: 'declined', reason: 'the person hung up' });
  }

  /** Warm transfer: waits for the person's yes (tool, DTMF 1) or no (tool, DTMF 2, hang-up, voicemail), bounded. */
  consult(timeoutMs: number): Promise<ConsultDecision> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.decide?.({ accepted: false, outcome: 'no-answer', reason: 'no decision within the consult time' }), timeoutMs);
      this.decide = (decision) => {
        clearTimeout(timer);
        this.decide = null;
        resolve(decision);
      };
    });
  }

  /** Messages of the target's media (warm transfers: its briefing agent). */
  onWorkerMessage(msg: WorkerToMain): void {
    if (msg.type === 'call.ended') return this.mediaEnded();
    if (!this.decide) return;
    if (msg.type === 'call.tool-call') {
      this.host.pool.send(this.mediaId, { type: 'call.tool-result', toolCallId: msg.toolCallId, result: 'ok' });
      if (msg.name === ACCEPT_TRANSFER_TOOL) this.decide({ accepted: true, via: 'voice' });
      else if (msg.name === DECLINE_TRANSFER_TOOL) this.decide({ accepted: false, outcome: 'declined', reason: 'the person declined' });
    } else if (msg.type === 'call.event' && msg.event.kind === 'dtmf') {
      if (msg.event.digit === '1') this.decide({ accepted: true, via: 'dtmf' });
      else if (msg.event.digit === '2') this.decide({ accepted: false, outcome: 'declined', reason: 'the person declined (DTMF 2)' });
    } else if (msg.type === 'call.hangup-request') {
      const reason = msg.reason === 'voicemail' ? 'a voicemail answered' : 'the briefing ended';
      this.decide({ accepted: false, outcome: msg.reason === 'voicemail' ? 'no-answer' : 'declined', reason });
    }
  }

  /** Tears the leg down: BYE or CANCEL, then its media. Bounded, idempotent. */
  async hangup(): Promise<void> {
    await this.leg.hangup();
    if (this.mediaStarted) {
      this.host.pool.send(this.mediaId, { type: 'call.stop', reason: 'transfer-ended' });
      await bounded(this.ended ?? Promise.resolve(), MEDIA_STOP_TIMEOUT_MS);
      this.mediaStarted = false;
    }
  }
}

/** The trunk a transfer leaves through: the number's transfer trunk, else the org's default outbound trunk. */
export async function transferTrunk(db: Queryable, secrets: SecretBox, orgId: string, numberTrunkId: string | null): Promise<Trunk | null> {
  const { rows } = await db.query<TrunkRow>(
    `SELECT id, name, host, port, transport, transfer_mode, transfer_caller_id, username, password_encrypted FROM sip_trunks
      WHERE org_id = $1 AND (id = $2 OR is_default_outbound) ORDER BY (id = $2) DESC NULLS LAST LIMIT 1`,
    [orgId, numberTrunkId],
  );
  return rows[0] ? trunkOf(rows[0], secrets) : null;
}

/** An E.164 number (normalised) or a SIP URI, else null. */
export function transferTarget(destination: string): string | null {
  const trimmed = destination.trim();
  if (/^sips?:[^\s@]+@[^\s]+$/i.test(trimmed) || /^sips?:[a-z0-9.-]+(:\d+)?$/i.test(trimmed)) return trimmed;
  return normalizeE164(trimmed);
}

/** The caller ID presented to the target: the caller's (default), our number, or a fixed E.164. */
function presentedCallerId(trunk: Trunk, host: TransferHost): string | null {
  const choice = trunk.transferCallerId;
  if (choice === 'number') return host.ourNumber;
  if (choice === 'caller') return host.customerNumber ?? host.ourNumber;
  return choice;
}

/** 403/484/488 to a presented caller ID that is not ours: the trunk may refuse foreign identities. */
const IDENTITY_REFUSALS = new Set([403, 484, 488]);

/** A bridged transfer: dials the target, and on answer bridges it to the caller. */
export async function bridgedTransfer(host: TransferHost, trunk: Trunk, target: string, timeoutMs: number, onTarget: (leg: TargetLeg) => void): Promise<TransferOutcome> {
  return (await dialWithIdentityRetry(host, trunk, target, timeoutMs, onTarget)).outcome;
}

/**
 * A warm transfer: the person is dialed while the caller waits on hold (ringback); when they
 * answer, a briefing agent (the same voice) tells them about the caller and asks whether they
 * take the call; yes (by voice or DTMF 1) bridges, no (DTMF 2, hang-up, voicemail, no decision)
 * gives the caller back to the agent.
 */
export async function warmTransfer(host: TransferHost, trunk: Trunk, target: string, timeoutMs: number, briefing: TargetMedia, onTarget: (leg: TargetLeg) => void): Promise<TransferOutcome> {
  const { outcome: answered, leg } = await dialWithIdentityRetry(host, trunk, target, timeoutMs, onTarget, briefing);
  if (answered.status !== 'transferred') return answered;
  host.note('transfer-consult', { target });
  const decision = await leg.consult(CONSULT_TIMEOUT_MS);
  if (!decision.accepted) {
    await leg.hangup();
    return { status: decision.outcome, target, mode: 'warm', sipCode: null, reason: decision.reason };
  }
  host.note('transfer-accepted', { target, via: decision.via });
  host.bridged(leg);
  return { status: 'transferred', target, mode: 'warm' };
}

/**
 * Dials the target with the presented caller ID; a trunk that refuses a foreign identity
 * (403/484/488) is dialed once more with our number. A failed leg is hung up before returning.
 * With `briefing`, the answered leg carries the briefing agent and is not bridged yet.
 */
async function dialWithIdentityRetry(
  host: TransferHost,
  trunk: Trunk,
  target: string,
  timeoutMs: number,
  onTarget: (leg: TargetLeg) => void,
  briefing?: TargetMedia,
): Promise<{ outcome: TransferOutcome; leg: TargetLeg }> {
  let callerId = presentedCallerId(trunk, host);
  for (let attempt = 0; ; attempt++) {
    const leg = new TargetLeg(host);
    onTarget(leg);
    const outcome = await dialTarget(host, trunk, target, leg, callerId, timeoutMs, briefing, briefing === undefined);
    if (outcome.status === 'transferred') return { outcome, leg };
    await leg.hangup();
    const foreignId = callerId !== host.ourNumber && host.ourNumber !== null;
    if (attempt > 0 || !foreignId || outcome.sipCode === null || !IDENTITY_REFUSALS.has(outcome.sipCode)) return { outcome, leg };
    host.note('transfer-retry', { reason: 'caller ID refused by the trunk', sipCode: outcome.sipCode });
    callerId = host.ourNumber;
  }
}

async function dialTarget(
  host: TransferHost,
  trunk: Trunk,
  target: string,
  leg: TargetLeg,
  callerId: string | null,
  timeoutMs: number,
  media?: TargetMedia,
  bridgeOnAnswer = true,
): Promise<TransferOutcome> {
  const sdp = await leg.startMedia(media);
  const headers: Record<string, string> = {};
  // RFC 5806: the number the caller dialed, so the person knows which line the call came in on.
  if (host.ourNumber) headers.Diversion = `<sip:${host.ourNumber}@${host.publicIp}>;reason=unconditional`;
  if (callerId) headers['P-Asserted-Identity'] = `<sip:${callerId}@${host.publicIp}>`;
  const sameHost = !/^sips?:/i.test(target) || hostOf(target) === trunk.host.toLowerCase();
  let heardBack = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void leg.leg.hangup();
  }, timeoutMs);
  host.note('transfer-dialing', { target, callerId, trunkId: trunk.id });
  const outcome = await leg.leg
    .dial(
      requestUri(trunk, target),
      {
        localSdp: sdp.offer(),
        ...(callerId && { callingNumber: callerId }),
        ...(sameHost && trunk.credentials && { auth: trunk.credentials }),
        transport: trunk.transport,
        ringTimeoutMs: timeoutMs + 5_000,
        headers,
      },
      () => (heardBack = true),
    )
    .finally(() => clearTimeout(timer));
  if (!outcome.ok) {
    if (timedOut) return failed(target, heardBack ? 'no-answer' : 'failed', heardBack ? 487 : 408, heardBack ? 'no answer within the ring timeout' : 'the trunk did not respond');
    return failedFrom(target, outcome.error);
  }
  const answer = sdp.readAnswer(outcome.dialog.remoteSdp ?? '', outcome.dialog.peerAddress);
  if (!answer.ok) return failed(target, 'failed', null, `the target answered without a usable SDP answer (${answer.error.message})`);
  host.pool.send(leg.mediaId, { type: 'call.remote-sdp', remote: answer.remote });
  host.pool.send(leg.mediaId, { type: 'call.answered' });
  outcome.dialog.on('destroyed', () => {
    leg.peerHungUp();
    host.targetHungUp();
  });
  if (bridgeOnAnswer) host.bridged(leg);
  return { status: 'transferred', target, mode: 'bridge' };
}

/** A blind transfer: REFER the caller's side to the target and read the NOTIFY sipfrags. */
export async function referTransfer(host: TransferHost, trunk: Trunk, target: string, timeoutMs: number): Promise<TransferOutcome> {
  const dialog = host.customerDialog();
  if (!dialog) return failed(target, 'failed', null, "the caller's leg is not up");
  const uri = requestUri(trunk, target);
  host.note('transfer-refer', { target: uri });
  const outcome = await dialog.refer(uri, { timeoutMs: timeoutMs + REFER_GRACE_MS });
  host.note('transfer-refer-outcome', { status: outcome.status, stage: outcome.stage });
  // No final NOTIFY at all (RFC 3515 peers that never send one): assume it went through.
  if (outcome.stage === 'timeout' || (outcome.status >= 200 && outcome.status < 300)) return { status: 'transferred', target, mode: 'refer' };
  if (outcome.stage === 'dialog-ended') return { status: 'transferred', target, mode: 'refer' };
  return { status: sipOutcome(outcome.status), target, mode: 'refer', sipCode: outcome.status, reason: `${outcome.status} ${outcome.reason}` };
}

function failed(target: string, status: SipOutcome, sipCode: number | null, reason: string): TransferOutcome {
  return { status, target, mode: 'bridge', sipCode, reason };
}

function failedFrom(target: string, error: SipError): TransferOutcome {
  if (error.code === 'SIP_CANCELED') return failed(target, 'no-answer', 487, 'no answer within the ring timeout');
  if (error.code === 'SIP_TIMEOUT') return failed(target, 'no-answer', 408, 'the target did not answer (408)');
  if (error.code === 'SIP_BAD_TARGET' || error.code === 'SIP_TRANSPORT') return failed(target, 'failed', error.status, `the trunk could not be reached: ${error.reason}`);
  const auth = error.status === 401 || error.status === 407;
  return failed(target, sipOutcome(error.status), error.status, auth ? `${error.status} ${error.reason}: the trunk refused the credentials` : `${error.status} ${error.reason}`);
}

function hostOf(uri: string): string {
  return uri.replace(/^sips?:/i, '').replace(/^[^@]*@/, '').replace(/[:;>].*$/, '').toLowerCase();
}
