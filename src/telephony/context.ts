/** What the INVITE handler, outbound dialing and the calls share: the node's parts, as the service wires them. */
import type { ProviderKeyDeps } from '../agents/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import type { UserAgent } from '../../sip/index.js';
import type { TrunkAllowList } from './allow-list.js';
import type { CallOwner, OwnerDeps } from './owner.js';
import type { NumberRouter } from './routing.js';

export interface TelephonyContext {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly nodeId: string;
  readonly ua: UserAgent;
  readonly router: NumberRouter;
  readonly allowList: TrunkAllowList;
  readonly emitter: WebhookEmitter;
  readonly ownerDeps: OwnerDeps;
  readonly keyDeps: ProviderKeyDeps;
  /** New calls are refused while the node drains. */
  readonly draining: boolean;
  /** The service tracks the call until it has ended and been reported. */
  adopt(call: CallOwner): void;
  forget(call: CallOwner): void;
}
