/** Shared set-up for the webhook tests: an org, an agent and calls in a fresh database, a queue and a worker. */
import { randomUUID } from 'node:crypto';
import { secretBoxFor } from '../../src/api/deps.js';
import { WebhookQueue, WebhookWorker, type RetryPolicy } from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { webhookDeliveryRoutes } from '../../src/api/resources/webhook-deliveries/routes.js';

export interface WebhookFixture {
  t: TestApp;
  owner: TestOrg;
  agentId: string;
  queue: WebhookQueue;
  worker: WebhookWorker;
  newCall(): Promise<string>;
  close(): Promise<void>;
}

export async function webhookFixture(policy: Partial<RetryPolicy> = {}): Promise<WebhookFixture> {
  const t = await buildTestApp({ resources: [webhookDeliveryRoutes] });
  const owner = await t.createOrg();
  const { rows } = await t.db.query<{ id: string }>(`INSERT INTO agents (org_id, name) VALUES ($1, 'Hook agent') RETURNING id`, [owner.org.id]);
  const agentId = rows[0].id;
  const options = {
    db: t.db,
    redis: t.redis,
    secrets: secretBoxFor(t.config),
    log: createLogger('silent'),
    prefix: t.config.redisPrefix,
    allowPrivate: true,
    policy,
  };
  const queue = new WebhookQueue(options);
  const worker = new WebhookWorker(options, queue);
  t.app.deps.services.webhookQueue = queue;
  return {
    t,
    owner,
    agentId,
    queue,
    worker,
    async newCall() {
      const id = randomUUID();
      await t.db.query(`INSERT INTO calls (id, org_id, direction, status, agent_id) VALUES ($1, $2, 'inbound', 'in-progress', $3)`, [
        id,
        owner.org.id,
        agentId,
      ]);
      return id;
    },
    async close() {
      await worker.close();
      await queue.close();
      await t.close();
    },
  };
}

/** Polls until `check` is true (or fails the test after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
