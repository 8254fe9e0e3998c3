/**
 * Sending a request through a client transaction as a Promise of its final response, with the
 * digest retry of RFC 3261 §22.2 (401 → Authorization, 407 → Proxy-Authorization). Timeouts and
 * transport failures reject with `SipError`; any final response, 2xx or not, resolves.
 */
import type { SipRequest, SipResponse } from '../message/types.js';
import { transactionTimeout } from '../timers.js';
import { buildCancel } from './outgoing.js';
import type { ClientTransaction } from '../transaction/layer.js';
import type { Destination } from '../transport/types.js';
import type { DigestClient } from '../digest/index.js';
import { authorize, type KnownChallenge } from './auth.js';
import type { UaContext } from './context.js';
import { SipError } from './errors.js';

export interface SendHooks {
  onProvisional?(response: SipResponse): void;
  /** Every further final response the transaction passes up (2xx retransmissions, forks). */
  onExtraFinal?(response: SipResponse): void;
  onTransaction?(tx: ClientTransaction, request: SipRequest): void;
}

/** One transaction: resolves with the first final response. */
export function sendOnce(ctx: UaContext, request: SipRequest, destination: Destination, hooks: SendHooks = {}): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const tx = ctx.transactions.sendRequest(request, destination, {
      onResponse: (response) => {
        if (response.status < 200) return hooks.onProvisional?.(response);
        if (settled) return hooks.onExtraFinal?.(response);
        settled = true;
        resolve(response);
      },
      onTimeout: () => {
        settled = true;
        reject(SipError.timeout());
      },
      onTransportError: (error) => {
        settled = true;
        reject(SipError.transport(error));
      },
      // A transaction destroyed without a final response (§9.1 give-up, shutdown) is a timeout.
      onTerminated: () => {
        if (settled) return;
        settled = true;
        reject(SipError.timeout());
      },
    });
    hooks.onTransaction?.(tx, request);
  });
}

export interface SendResult {
  response: SipResponse;
  /** The request that drew the response (the authenticated retry, if there was one). */
  request: SipRequest;
  /** The last challenge answered on the way, so later requests can send credentials up front. */
  challenge?: KnownChallenge;
}

/** Sends `request`, retrying with credentials on 401/407 (at most twice: proxy and UAS). */
export async function sendWithAuth(
  ctx: UaContext,
  request: SipRequest,
  destination: Destination,
  digest: DigestClient | undefined,
  hooks: SendHooks = {},
): Promise<SendResult> {
  let current = request;
  let challenge: KnownChallenge | undefined;
  for (let attempt = 0; ; attempt++) {
    const response = await sendOnce(ctx, current, destination, hooks);
    const retry = attempt < 2 ? authorize(current, response, digest) : undefined;
    if (!retry) return { response, request: current, challenge };
    challenge = retry.known;
    current = retry.request;
  }
}

/**
 * §9.1: CANCEL a pending INVITE. If no final response arrives within 64·T1 after the CANCEL, the
 * INVITE client transaction is destroyed (its `sendOnce` promise then rejects with a timeout), so
 * a peer that rings forever cannot hold a transaction forever.
 */
export function cancelInvite(ctx: UaContext, tx: ClientTransaction, destination: Destination): void {
  sendOnce(ctx, buildCancel(tx.request), destination).catch(() => undefined);
  ctx.clock.setTimer(transactionTimeout(ctx.timers), () => {
    if (tx.currentState === 'proceeding' || tx.currentState === 'calling') tx.abort();
  });
}
