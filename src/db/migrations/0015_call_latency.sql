-- The per-turn latency waterfall of a call (media/protocol.ts CallLatency: turns, barge-ins and
-- p50/p95 per step), written once when the call ends; null for calls without an agent engine.
ALTER TABLE calls ADD COLUMN latency jsonb;
