/**
 * After the call (DESIGN §5.1): the public surface of post-call analysis for the rest of the
 * control plane.
 *
 * - The call owner, once the call row is final (status, end_reason, ended_at, duration written and
 *   the transcript stored in call_messages), calls
 *     `await postCallFor(node).enqueue({ callId, orgId, agent })`
 *   instead of sending the end-of-call report itself. `agent` is the call's AgentRuntimeConfig
 *   (optional; it carries assistant-request overrides). The call is bounded (2 s) and never throws.
 * - Role `worker` runs `startPostCallWorkers`: the post-call jobs (analysis, report), the
 *   notification e-mails, and the sweep that catches calls whose enqueue failed.
 */
import { secretBoxFor } from '../api/deps.js';
import { webhooksFor } from '../events/index.js';
import type { VoxgateNode } from '../node.js';
import { NotificationEmails, type EmailRetryPolicy } from './email-queue.js';
import type { PostCallDeps } from './post-call.js';
import { PostCallQueue, PostCallWorker, type PostCallPolicy, type PostCallQueueOptions } from './post-call-queue.js';

export { PostCallQueue, PostCallWorker, DEFAULT_POST_CALL_POLICY, POST_CALL_QUEUE, ENQUEUE_TIMEOUT_MS, type PostCallRequest, type PostCallPolicy } from './post-call-queue.js';
export { NotificationEmails, EMAIL_QUEUE, type EmailOutcome, type EmailRetryPolicy } from './email-queue.js';
export { runPostCall, type PostCallDeps, type PostCallResult } from './post-call.js';
export { rerunAnalysis, type RerunOutcome, type RerunDeps } from './rerun.js';
export { appendTranscript, loadTranscript, presentMessage, type TranscriptEntry, type TranscriptToolCall, type StoredMessage } from './transcript.js';
export { reportDeliveryId } from './report.js';
export type { CallAgentSnapshot } from './agent-settings.js';

const producers = new WeakMap<VoxgateNode, PostCallQueue>();

function queueOptions(node: VoxgateNode, policy?: Partial<PostCallPolicy>): PostCallQueueOptions {
  return { redis: node.redis, prefix: node.config.redisPrefix, secrets: secretBoxFor(node.config), log: node.log.child({ part: 'post-call' }), policy };
}

/** The node's post-call queue (created once, closed when the node stops). */
export function postCallFor(node: VoxgateNode, policy?: Partial<PostCallPolicy>): PostCallQueue {
  let queue = producers.get(node);
  if (!queue) {
    const created = new PostCallQueue(queueOptions(node, policy));
    producers.set(node, created);
    node.onStop('post-call queue', () => created.close());
    queue = created;
  }
  return queue;
}

export interface PostCallWorkers {
  worker: PostCallWorker;
  emails: NotificationEmails;
}

/** Role `worker`: post-call jobs, notification e-mails and the sweep. */
export async function startPostCallWorkers(
  node: VoxgateNode,
  options: { policy?: Partial<PostCallPolicy>; emailPolicy?: Partial<EmailRetryPolicy> } = {},
): Promise<PostCallWorkers> {
  const producer = postCallFor(node, options.policy);
  const webhooks = webhooksFor(node);
  const secrets = secretBoxFor(node.config);
  const log = node.log.child({ part: 'post-call' });
  const emails = new NotificationEmails({
    db: node.db,
    redis: node.redis,
    secrets,
    log: node.log.child({ part: 'e-mail' }),
    prefix: node.config.redisPrefix,
    resendBaseUrl: node.config.providers.resend.baseUrl,
    publicUrl: node.config.calls.publicUrl,
    policy: options.emailPolicy,
  });
  emails.startWorker();
  const deps: PostCallDeps = { db: node.db, secrets, log, config: node.config, webhooks: webhooks.queue, notify: (callId) => emails.enqueue(callId) };
  const worker = new PostCallWorker(queueOptions(node, options.policy), producer, deps);
  worker.startSweeping();
  node.onStop('post-call workers', async () => {
    await worker.close();
    await emails.close();
  });
  return { worker, emails };
}

/** The `worker` role's starter (roles.ts). */
export const startPostCallRole = async (node: VoxgateNode): Promise<void> => {
  await startPostCallWorkers(node);
};
