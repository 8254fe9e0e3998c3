/**
 * The part of a dialog its helpers (offer/answer, REFER, session timer) work through. `Dialog`
 * implements it; nothing outside `sip/ua` sees it.
 */
import type { DialogState } from '../dialog/state.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ServerTransaction } from '../transaction/layer.js';
import type { UaContext } from './context.js';
import type { ReplyOptions } from './responses.js';
import type { SendHooks } from './sender.js';
import type { SessionTimer } from './session-timer.js';
import type { DialogDestroyReason } from './dialog-types.js';

export interface DialogInternals {
  readonly ctx: UaContext;
  readonly state: DialogState;
  readonly sessionTimer: SessionTimer;
  readonly isTerminated: boolean;
  localSdp?: string;
  remoteSdp?: string;
  /** Builds (without sending) a response to a request received in the dialog. */
  buildReply(request: SipRequest, status: number, reason?: string, options?: ReplyOptions): SipResponse;
  /** Sends a response to a request received in the dialog. */
  reply(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, options?: ReplyOptions): SipResponse | undefined;
  /** Sends a request inside the dialog (digest retry included); resolves with the final response. */
  send(request: SipRequest, hooks?: SendHooks): Promise<SipResponse>;
  /** Sends an INVITE inside the dialog and ACKs its 2xx (§13.2.2.4). */
  sendInvite(request: SipRequest): Promise<SipResponse>;
  /** Ends the dialog; `sendBye` says whether a BYE goes out first. */
  end(reason: DialogDestroyReason, sendBye: boolean): void;
}
