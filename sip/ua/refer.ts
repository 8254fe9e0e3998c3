/**
 * REFER (RFC 3515) in both directions. Sending: the REFER's final response, then the NOTIFYs of
 * the implicit subscription whose `message/sipfrag` bodies (RFC 3420) carry the progress of the
 * referred call; the outcome is the first final sipfrag status. Receiving: the application
 * accepts (202, then NOTIFYs through `ReferSubscription.notify`) or rejects.
 */
import type { TimerHandle } from '../clock.js';
import { getCSeq } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ServerTransaction } from '../transaction/layer.js';
import type { DialogInternals } from './dialog-internals.js';
import type { ReferOutcome } from './dialog-types.js';
import { headerPairs, type HeaderInput } from './outgoing.js';

export interface ReferOptions {
  /** RFC 3892 Referred-By (a SIP URI). */
  referredBy?: string;
  headers?: HeaderInput;
  /** How long to wait for the final NOTIFY (default: the UA's `referTimeoutMs`). */
  timeoutMs?: number;
}

interface PendingRefer {
  seq: number;
  last?: { status: number; reason: string };
  resolve(outcome: ReferOutcome): void;
  timer?: TimerHandle;
}

/** The start line of a sipfrag body, e.g. "SIP/2.0 486 Busy Here". */
export function parseSipfrag(body: string): { status: number; reason: string } | undefined {
  const match = /^SIP\/2\.0\s+(\d{3})(?:\s+([^\r\n]*))?/.exec(body.trimStart());
  return match ? { status: Number(match[1]), reason: (match[2] ?? '').trim() } : undefined;
}

export class ReferSender {
  private readonly pending: PendingRefer[] = [];

  constructor(private readonly dialog: DialogInternals) {}

  async refer(target: string, options: ReferOptions = {}): Promise<ReferOutcome> {
    const headers: Array<[string, string]> = [['Refer-To', angle(target)]];
    if (options.referredBy) headers.push(['Referred-By', angle(options.referredBy)]);
    const request = this.dialog.state.createRequest('REFER', { headers: [...headers, ...headerPairs(options.headers)] });
    const seq = getCSeq(request)?.seq ?? 0;
    // The NOTIFY can overtake the 202 over UDP: register the waiter before sending.
    const outcome = new Promise<ReferOutcome>((resolve) => this.pending.push({ seq, resolve }));
    const entry = this.pending[this.pending.length - 1];
    let response: SipResponse;
    try {
      response = await this.dialog.send(request);
    } catch (err) {
      this.settle(entry, { status: (err as { status?: number }).status ?? 408, reason: 'Request Timeout', stage: 'rejected' });
      return outcome;
    }
    if (response.status >= 300) {
      this.settle(entry, { status: response.status, reason: response.reason, stage: 'rejected' });
    } else if (this.pending.includes(entry)) {
      const ms = options.timeoutMs ?? this.dialog.ctx.referTimeoutMs;
      entry.timer = this.dialog.ctx.clock.setTimer(ms, () => this.settle(entry, { status: 408, reason: 'Request Timeout', stage: 'timeout' }));
    }
    return outcome;
  }

  /** RFC 3515 §2.4.4: a NOTIFY for one of our REFERs; true when it was one. */
  receiveNotify(request: SipRequest): boolean {
    const event = (request.headers.get('event') ?? '').toLowerCase();
    if (!event.startsWith('refer')) return false;
    const id = /;\s*id\s*=\s*(\d+)/.exec(event)?.[1];
    const entry = id !== undefined ? this.pending.find((p) => p.seq === Number(id)) : this.pending[0];
    if (!entry) return true;
    const frag = parseSipfrag(request.body.toString('utf8'));
    if (frag) entry.last = frag;
    const terminated = (request.headers.get('subscription-state') ?? '').trim().toLowerCase().startsWith('terminated');
    if (frag && frag.status >= 200) this.settle(entry, { ...frag, stage: 'notify' });
    else if (terminated) this.settle(entry, { status: entry.last?.status ?? 487, reason: entry.last?.reason ?? 'Subscription Terminated', stage: 'notify' });
    return true;
  }

  /** The dialog ended: every pending REFER resolves with what it knew. */
  stop(): void {
    for (const entry of [...this.pending]) {
      this.settle(entry, { status: entry.last?.status ?? 487, reason: entry.last?.reason ?? 'Dialog Terminated', stage: 'dialog-ended' });
    }
  }

  private settle(entry: PendingRefer, outcome: ReferOutcome): void {
    const index = this.pending.indexOf(entry);
    if (index === -1) return;
    this.pending.splice(index, 1);
    this.dialog.ctx.clock.clearTimer(entry.timer);
    entry.resolve(outcome);
  }
}

/** The REFER-recipient side of the implicit subscription (RFC 3515 §2.4.4–§2.4.6). */
export class ReferSubscription {
  private done = false;

  constructor(
    private readonly dialog: DialogInternals,
    private readonly referSeq: number,
  ) {}

  get terminated(): boolean {
    return this.done;
  }

  /**
   * Sends a NOTIFY whose sipfrag is `SIP/2.0 <status> <reason>`. A final status (≥ 200) ends the
   * subscription (`Subscription-State: terminated;reason=noresource`). Resolves with the
   * NOTIFY's response status (0 when it could not be sent).
   */
  async notify(status: number, reason = ''): Promise<number> {
    if (this.done || this.dialog.isTerminated) return 0;
    const final = status >= 200;
    if (final) this.done = true;
    const request = this.dialog.state.createRequest('NOTIFY', {
      headers: [
        ['Event', `refer;id=${this.referSeq}`],
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
      ],
      body: `SIP/2.0 ${status} ${reason}`.trimEnd() + '\r\n',
      contentType: 'message/sipfrag;version=2.0',
    });
    try {
      return (await this.dialog.send(request)).status;
    } catch {
      return 0;
    }
  }
}

/** How the application answers a received REFER. */
export class ReferResponse {
  private answered = false;

  constructor(
    private readonly dialog: DialogInternals,
    private readonly tx: ServerTransaction,
    private readonly request: SipRequest,
  ) {}

  /** The Refer-To target (without angle brackets). */
  get referTo(): string {
    return (this.request.headers.get('refer-to') ?? '').trim().replace(/^<|>$/g, '');
  }

  /** 202 Accepted, then the initial NOTIFY "100 Trying" (RFC 3515 §2.4.4). */
  accept(): ReferSubscription | undefined {
    if (this.answered) return undefined;
    this.answered = true;
    this.dialog.reply(this.tx, this.request, 202);
    const subscription = new ReferSubscription(this.dialog, getCSeq(this.request)?.seq ?? 0);
    void subscription.notify(100, 'Trying');
    return subscription;
  }

  reject(status = 603, reason?: string): void {
    if (this.answered) return;
    this.answered = true;
    this.dialog.reply(this.tx, this.request, status, reason);
  }

  get isAnswered(): boolean {
    return this.answered;
  }
}

function angle(uri: string): string {
  const trimmed = uri.trim();
  return trimmed.startsWith('<') || trimmed.includes(' <') ? trimmed : `<${trimmed}>`;
}
