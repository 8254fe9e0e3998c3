/**
 * Webhook signing (flireo-api A.4, B §4.7): `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret,
 * "<X-Webhook-Timestamp>.<raw body>")>`, the timestamp in Unix seconds. The `sha256=` prefix is
 * what the G3 SDK sends and strips, so receivers of either documentation generation accept it.
 */
import { createHmac } from 'node:crypto';

export const WEBHOOK_USER_AGENT = 'HMS-Sovereign/1.0'; // sic: what Flireo's own platform sends (B §4.1)

export function signatureFor(secret: string, timestamp: string, rawBody: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

export interface WebhookHeaderInput {
  event: string;
  /** X-Webhook-Id: one UUID per event, stable across retries, for the receiver's idempotency. */
  eventId: string;
  rawBody: string;
  secret: string | null;
  nowMs?: number;
}

export function webhookHeaders(input: WebhookHeaderInput): Record<string, string> {
  const timestamp = String(Math.floor((input.nowMs ?? Date.now()) / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'x-webhook-event': input.event,
    'x-webhook-timestamp': timestamp,
    'x-webhook-id': input.eventId,
  };
  if (input.secret) headers['x-webhook-signature'] = signatureFor(input.secret, timestamp, input.rawBody);
  return headers;
}
