/**
 * The whole engine in-process for call tests: a fresh database, a private Redis prefix, the
 * `sip` role (SIP listener, media workers with the agent runtime, signalling), the webhook worker
 * and the REST API — with every provider pointed at the local fakes. Tests create agents and
 * numbers through the real API and then call in with a `TestPhone`.
 */
import type { FastifyInstance } from 'fastify';
import { createOrganization } from '../../src/api/admin/service.js';
import { buildApp } from '../../src/api/app.js';
import { resolveSecretKey, type Env } from '../../src/config.js';
import { startPostCallWorkers, type PostCallPolicy } from '../../src/analysis/index.js';
import { startWebhookWorker } from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';
import { createRedisClient } from '../../src/redis.js';
import { VoxgateNode } from '../../src/node.js';
import { startTelephony, type TelephonyService } from '../../src/telephony/index.js';
import { startMetrics } from '../../src/metrics/index.js';
import { FakeRealtimeServer, type FakeServerOptions } from '../fakes/realtime-server.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { createTestDatabase, createTestRedis, testConfig, testRedisPrefix, TEST_REDIS_URL, type TestDatabase } from '../helpers/index.js';

export const WEBHOOK_SECRET = 'whsec_engine_test';
export const PROVIDER_KEY = 'test-key';

export interface TestEngine {
  node: VoxgateNode;
  api: FastifyInstance;
  telephony: TelephonyService;
  realtime: FakeRealtimeServer;
  receiver: FakeWebhookReceiver;
  database: TestDatabase;
  sipPort: number;
  orgId: string;
  apiKey: string;
  /** POST /api/v1/<path> with the org's key; throws unless 2xx. */
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  /** An agent on the fake realtime provider, with webhooks to the fake receiver, and a number for it. */
  agentWithNumber(phoneNumber: string, agent?: Record<string, unknown>): Promise<{ agentId: string; numberId: string }>;
  close(): Promise<void>;
}

export async function startTestEngine(
  options: {
    env?: Env;
    realtime?: FakeServerOptions;
    minutesBalance?: number | null;
    postCallPolicy?: Partial<PostCallPolicy>;
    /** A database the test owns (e.g. one it stops mid-call); default: a fresh one on the local server. */
    database?: TestDatabase;
    /** A Redis the test owns (e.g. one it stops); default: the local server under a fresh key prefix. */
    redisUrl?: string;
  } = {},
): Promise<TestEngine> {
  const database = options.database ?? (await createTestDatabase());
  const realtime = await FakeRealtimeServer.start({ apiKey: PROVIDER_KEY, ...options.realtime });
  const receiver = await FakeWebhookReceiver.start({ secret: WEBHOOK_SECRET });
  const config = await resolveSecretKey(
    testConfig({
      DATABASE_URL: database.url,
      REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
      VOXGATE_REDIS_PREFIX: testRedisPrefix(),
      XAI_BASE_URL: realtime.baseUrl,
      XAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: realtime.baseUrl,
      OPENAI_API_KEY: PROVIDER_KEY,
      SIP_TRANSPORTS: 'udp',
      // A test that fails mid-call must not keep the engine draining for half an hour.
      DRAIN_TIMEOUT_SECONDS: '2',
      ...options.env,
    }),
  );
  const log = createLogger(config.logLevel);
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const redis = options.redisUrl ? createRedisClient(redisUrl) : createTestRedis();
  const node = new VoxgateNode(config, log, database.db, redis, redisUrl);
  await startTelephony(node);
  await startWebhookWorker(node);
  // The end-of-call report comes from the post-call job (src/analysis).
  await startPostCallWorkers(node, { policy: options.postCallPolicy });
  await startMetrics(node); // GET /metrics when the test sets METRICS_TOKEN or METRICS_PORT
  const api = await buildApp({ config, db: database.db, redis, health: node.health, services: node.services });
  await api.ready();
  const telephony = node.services.telephony!;
  const sipPort = telephony.ua.address('udp')!;
  const created = await createOrganization(database.db, { name: 'Call test org', minutes_balance: options.minutesBalance ?? null });
  const headers = { authorization: `Bearer ${created.api_key}` };

  async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await api.inject({ method, url: `/api/v1/${path}`, headers, ...(body !== undefined && { payload: body as object }) });
    if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode} ${res.body}`);
    return res.json() as T;
  }

  return {
    node,
    api,
    telephony,
    realtime,
    receiver,
    database,
    sipPort,
    orgId: created.organization.id,
    apiKey: created.api_key,
    post: (path, body) => request('POST', path, body),
    get: (path) => request('GET', path),
    async agentWithNumber(phoneNumber, agent = {}) {
      const { agent: created } = await request<{ agent: { id: string } }>('POST', 'agents', {
        name: 'Front desk',
        first_message: 'Hello, thanks for calling. How can I help?',
        llm_config: { provider: 'xai_realtime', model: 'grok-voice-latest', voice: 'ara', messages: [{ role: 'system', content: 'You are a helpful receptionist.' }] },
        webhook_url: receiver.urlFor('/webhooks'),
        webhook_secret: WEBHOOK_SECRET,
        ...agent,
      });
      const { number } = await request<{ number: { id: string } }>('POST', 'numbers', { phone_number: phoneNumber, agent_id: created.id });
      return { agentId: created.id, numberId: number.id };
    },
    async close() {
      await node.stop('test done');
      await api.close();
      redis.disconnect();
      await receiver.close();
      await realtime.close();
      await database.drop();
    },
  };
}
