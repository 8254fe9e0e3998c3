/**
 * Webhooks (flireo-api A.4, B §4): the public surface of src/events for the rest of the control
 * plane. One WebhookQueue + WebhookEmitter per node, created on first use by whichever role
 * needs them; the `worker` role also runs the delivery processor and the sweeper.
 */
import type { VoxgateNode } from '../node.js';
import { secretBoxFor } from '../api/deps.js';
import { WebhookEmitter } from './emitter.js';
import { WebhookQueue, WebhookWorker, type RetryPolicy, type WebhookQueueOptions } from './queue.js';

export * from './payloads.js';
export { WebhookEmitter, wantsEvent, ASSISTANT_REQUEST_TIMEOUT_MS, TOOL_CALLS_TIMEOUT_MS } from './emitter.js';
export type { AgentWebhookSettings, EventOrigin, SyncOutcome } from './emitter.js';
export { WebhookQueue, WebhookWorker, backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './queue.js';
export { isPrivateAddress, parseWebhookTarget, WebhookTargetError } from './target-guard.js';
export { signatureFor, webhookHeaders, WEBHOOK_USER_AGENT } from './signing.js';

declare module '../api/deps.js' {
  interface ApiServices {
    webhookQueue: WebhookQueue;
  }
}

export interface Webhooks {
  queue: WebhookQueue;
  emitter: WebhookEmitter;
  options: WebhookQueueOptions;
}

const perNode = new WeakMap<VoxgateNode, Webhooks>();

/** The node's webhook queue and emitter (created once; closed when the node stops). */
export function webhooksFor(node: VoxgateNode, policy?: Partial<RetryPolicy>): Webhooks {
  let webhooks = perNode.get(node);
  if (!webhooks) {
    const options: WebhookQueueOptions = {
      db: node.db,
      redis: node.redis,
      secrets: secretBoxFor(node.config),
      log: node.log.child({ part: 'webhooks' }),
      prefix: node.config.redisPrefix,
      allowPrivate: node.config.webhookAllowPrivate,
      policy,
      onAttempt: (event, outcome, durationMs) => node.services.metrics?.webhookAttempt(event, outcome, durationMs),
    };
    const queue = new WebhookQueue(options);
    webhooks = { queue, emitter: new WebhookEmitter({ ...options, queue }), options };
    perNode.set(node, webhooks);
    node.services.webhookQueue = queue;
    node.onStop('webhook queue', () => queue.close());
  }
  return webhooks;
}

const SWEEP_INTERVAL_MS = 30_000;

/** Role `worker`: delivers queued webhooks and re-queues chains a crash left stalled. */
export async function startWebhookWorker(node: VoxgateNode): Promise<void> {
  const { queue, options } = webhooksFor(node);
  const worker = new WebhookWorker(options, queue);
  const sweeper = setInterval(() => {
    queue.sweep().catch((err: unknown) => node.log.warn({ err }, 'webhook sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  node.onStop('webhook worker', async () => {
    clearInterval(sweeper);
    await worker.close();
  });
}
