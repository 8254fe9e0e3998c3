/**
 * What the call path uses to report a call: queued events (`status-update`, `end-of-call-report`)
 * and synchronous requests whose answer the call needs (`assistant-request` within 5 s,
 * `tool-calls` within 10 s; flireo-api A.4). Synchronous requests are never retried — on timeout
 * or error the call goes on — but they are logged in the delivery log like the rest.
 */
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto.js';
import type { Db, Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import { beginAttempt, finishAttempt, insertDelivery } from './deliveries.js';
import { describeOutcome, postJson } from './http.js';
import type { Envelope, WebhookEventType, WebhookFormat } from './payloads.js';
import type { WebhookQueue } from './queue.js';
import { webhookHeaders } from './signing.js';

export const ASSISTANT_REQUEST_TIMEOUT_MS = 5_000;
export const TOOL_CALLS_TIMEOUT_MS = 10_000;

/** An agent's webhook fields, as the call path resolved them. */
export interface AgentWebhookSettings {
  url: string | null;
  secret: string | null;
  /** Empty: every event except `assistant-request`, which must be asked for (it delays answering). */
  events: readonly string[];
  format: WebhookFormat;
}

export interface EventOrigin {
  orgId: string;
  agentId: string | null;
  callId: string | null;
}

export type SyncOutcome =
  | { ok: true; status: number; body: unknown; durationMs: number }
  | { ok: false; reason: string; durationMs: number };

export function wantsEvent(settings: AgentWebhookSettings, event: WebhookEventType): boolean {
  if (settings.url === null) return false;
  // assistant-request delays answering and campaign-update is the dialer's: both must be asked for.
  if (settings.events.length === 0) return event !== 'assistant-request' && event !== 'campaign-update';
  return settings.events.includes(event);
}

export interface WebhookEmitterOptions {
  db: Db;
  secrets: SecretBox;
  queue: WebhookQueue;
  log: Logger;
  allowPrivate: boolean;
}

export class WebhookEmitter {
  constructor(private readonly o: WebhookEmitterOptions) {}

  /** Queues a status-update or end-of-call-report if the agent subscribes to it; returns the event id. */
  async emit(origin: EventOrigin, settings: AgentWebhookSettings, event: WebhookEventType, payload: Envelope): Promise<string | null> {
    if (!wantsEvent(settings, event) || settings.url === null) return null;
    return this.o.queue.enqueue({ ...origin, eventType: event, url: settings.url, payload, secret: settings.secret });
  }

  /**
   * Logs a queued event inside the caller's transaction (the end of a call: its row, its billing
   * and its reports commit together). `id` makes a retried finalisation a no-op. The delivery is
   * handed to the queue by `dispatch` after the commit, or by the sweeper if that never happens.
   */
  async record(db: Queryable, origin: EventOrigin, settings: AgentWebhookSettings, event: WebhookEventType, payload: Envelope, id: string): Promise<boolean> {
    if (!wantsEvent(settings, event) || settings.url === null) return false;
    await insertDelivery(db, this.o.secrets, { id, ...origin, eventType: event, url: settings.url, payload, secret: settings.secret });
    return true;
  }

  /** Hands a call's recorded events to the queue, in order. */
  dispatch(callId: string): Promise<void> {
    return this.o.queue.pump(callId);
  }

  /**
   * POSTs a synchronous event and returns the parsed JSON answer (a non-JSON 2xx body comes back
   * as a string). `url` overrides the agent's URL (a tool's own `url`).
   */
  async request(
    origin: EventOrigin,
    settings: AgentWebhookSettings,
    event: 'assistant-request' | 'tool-calls',
    payload: Envelope,
    options: { url?: string | null; timeoutMs: number },
  ): Promise<SyncOutcome> {
    const url = options.url ?? settings.url;
    if (url === null) return { ok: false, reason: 'no webhook URL', durationMs: 0 };
    const rawBody = JSON.stringify(payload);
    const eventId = randomUUID();
    const logged = insertDelivery(this.o.db, this.o.secrets, { id: eventId, ...origin, eventType: event, url, payload, secret: settings.secret, synchronous: true })
      .then(async (id) => ({ id, attempt: await beginAttempt(this.o.db, id) }))
      .catch((err: unknown) => {
        this.o.log.warn({ err, event }, 'could not log synchronous webhook');
        return null;
      });
    const headers = webhookHeaders({ event, eventId, rawBody, secret: settings.secret });
    const outcome = await postJson({ url, body: rawBody, headers, timeoutMs: options.timeoutMs, allowPrivate: this.o.allowPrivate });
    const ok = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
    void logged.then((entry) => {
      if (!entry) return;
      return finishAttempt(this.o.db, entry.id, {
        attempt: entry.attempt,
        statusCode: outcome.kind === 'response' ? outcome.status : null,
        error: ok ? null : describeOutcome(outcome),
        durationMs: outcome.durationMs,
        responseBody: outcome.kind === 'response' ? outcome.body : null,
        outcome: ok ? 'delivered' : 'failed',
      }).catch((err: unknown) => this.o.log.warn({ err, event }, 'could not log synchronous webhook'));
    });
    if (!ok) return { ok: false, reason: describeOutcome(outcome), durationMs: outcome.durationMs };
    return { ok: true, status: outcome.status, body: parseBody(outcome.body), durationMs: outcome.durationMs };
  }
}

function parseBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
