-- Webhook delivery bookkeeping (src/events): per-call ordering and the signing secret snapshot.

-- Events of one call are delivered in order (flireo-api A.4): `seq` orders them, and `queued_at`
-- marks the one delivery of a call that is handed to the queue at a time.
ALTER TABLE webhook_deliveries
  ADD COLUMN seq              bigint GENERATED ALWAYS AS IDENTITY,
  ADD COLUMN queued_at        timestamptz,
  -- The agent's webhook_secret when the event was created (SecretBox); a later retry signs the
  -- same way even if the agent was deleted meanwhile. Never returned by the API.
  ADD COLUMN secret_encrypted text,
  -- synchronous events (assistant-request, tool-calls) are logged here too but never retried
  ADD COLUMN synchronous      boolean NOT NULL DEFAULT false;

CREATE INDEX webhook_deliveries_call_seq_idx ON webhook_deliveries (call_id, seq) WHERE call_id IS NOT NULL;
