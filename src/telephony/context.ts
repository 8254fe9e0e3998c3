/** What the INVITE handler and the calls share: the node's parts, as the telephony service wires them. */
import type { ProviderKeyDeps } from '../agents/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import type { UserAgent } from '../../sip/index.js';
import type { ActiveCall, CallDeps } from './call.js';
import type { TrunkAllowList } from './allow-list.js';
import type { LiveCallRegistry } from './live-calls.js';
import type { NumberRouter } from './routing.js';

export interface TelephonyContext {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly nodeId: string;
  readonly ua: UserAgent;
  readonly router: NumberRouter;
  readonly allowList: TrunkAllowList;
  readonly registry: LiveCallRegistry;
  readonly emitter: WebhookEmitter;
  readonly callDeps: CallDeps;
  readonly keyDeps: ProviderKeyDeps;
  /** New INVITEs get 503 while the node drains. */
  readonly draining: boolean;
  /** The service tracks the call until it has ended and been reported. */
  adopt(call: ActiveCall): void;
  forget(call: ActiveCall): void;
}
