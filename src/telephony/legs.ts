/**
 * A call's SIP legs (DESIGN §5.1): the customer's leg comes up either as an inbound INVITE we
 * answer or as an outbound INVITE we place through a trunk; a transfer adds a target leg the
 * same way. Once up, every leg is a dialog with the same events; until then each knows how to
 * give up (a final response, or a CANCEL). Every wait is bounded.
 */
import type { Dialog, IncomingRequest, ServerResponse, SipResponse, UacOptions, UacOutcome, UserAgent } from '../../sip/index.js';

const BYE_TIMEOUT_MS = 5_000;
/** After our CANCEL, the INVITE's final response comes within a few retransmissions. */
const CANCEL_TIMEOUT_MS = 5_000;

export function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Leg {
  /** The dialog, once the leg is up. */
  readonly dialog: Dialog | null;
  /** Ends the leg whatever its state: BYE, a final response, or CANCEL. Bounded, idempotent. */
  hangup(status?: number): Promise<void>;
}

async function bye(dialog: Dialog): Promise<void> {
  if (!dialog.isTerminated) await bounded(dialog.bye().catch(() => undefined), BYE_TIMEOUT_MS);
}

/** The leg of an INVITE we received: answered with our SDP, or refused. */
export class InboundLeg implements Leg {
  dialog: Dialog | null = null;

  constructor(
    private readonly ua: UserAgent,
    readonly req: IncomingRequest,
    private readonly res: ServerResponse,
  ) {}

  get answeredFinal(): boolean {
    return this.res.finalSent;
  }

  provisional(status: 180 | 183): void {
    if (!this.res.finalSent) this.res.send(status);
  }

  /** 200 OK with `localSdp`; resolves with the dialog once the ACK arrived. */
  async answer(localSdp: string): Promise<Dialog> {
    this.dialog = await this.ua.createUAS(this.req, this.res, { localSdp });
    return this.dialog;
  }

  reject(status: number, reason?: string, headers?: Record<string, string>): void {
    if (!this.res.finalSent) this.res.send(status, reason, headers ? { headers } : {});
  }

  async hangup(status = 480): Promise<void> {
    if (this.dialog) return bye(this.dialog);
    this.reject(status);
  }
}

/** The leg of an INVITE we place (a customer on an outbound call, or a transfer target). */
export class OutboundLeg implements Leg {
  dialog: Dialog | null = null;
  private readonly abort = new AbortController();
  private dialing: Promise<UacOutcome> | null = null;
  private provisional = false;

  constructor(private readonly ua: UserAgent) {}

  /** Places the INVITE; the outcome is the dialog, or why not (status), never a rejection. */
  dial(uri: string, options: Omit<UacOptions, 'signal'>, onProvisional: (response: SipResponse) => void): Promise<UacOutcome> {
    const hooks = {
      onProvisional: (response: SipResponse) => {
        this.provisional = true;
        onProvisional(response);
      },
    };
    this.dialing = this.ua.createUAC(uri, { ...options, signal: this.abort.signal }, hooks).then((outcome) => {
      if (outcome.ok) this.dialog = outcome.dialog;
      return outcome;
    });
    return this.dialing;
  }

  async hangup(): Promise<void> {
    if (this.dialog) return bye(this.dialog);
    if (!this.dialing) return;
    this.abort.abort();
    // §9.1: without a provisional response there is nothing to CANCEL; the UA lets the
    // transaction run out on its own.
    if (!this.provisional) return;
    const outcome = await bounded(this.dialing, CANCEL_TIMEOUT_MS);
    // The 200 crossed our CANCEL: the UA hangs that dialog up itself.
    if (outcome !== 'timeout' && outcome.ok) await bye(outcome.dialog);
  }
}
