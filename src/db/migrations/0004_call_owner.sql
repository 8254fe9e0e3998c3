-- The call owner (DESIGN §5.1): the vocabulary of src/telephony/vocabulary.ts, a heartbeat per
-- live call, and what outbound calls carry.

-- End reasons: flireo-api A.5 plus the outbound outcomes `declined`/`failed` and `node-failure`
-- (a call finalised after the node that owned it stopped without ending it).
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_end_reason_check;
ALTER TABLE calls ADD CONSTRAINT calls_end_reason_check CHECK (end_reason IN (
  'customer-hangup', 'agent-hangup', 'max-duration', 'silence-timeout', 'voicemail', 'transferred',
  'provider-error', 'sip-error', 'rejected', 'no-answer', 'busy', 'declined', 'failed', 'node-failure'));

-- The owning node's heartbeat writes alive_at for each of its live calls: after a crash, the
-- call is billed up to the last moment it was known to be alive.
ALTER TABLE calls ADD COLUMN alive_at timestamptz DEFAULT now();

-- The SIP status of an outbound call (or transfer) that was not answered: 486, 603, 408…
ALTER TABLE calls ADD COLUMN sip_status integer;

-- Live calls by owning node, for finalising the calls of a node that died.
CREATE INDEX calls_live_by_node_idx ON calls (node_id) WHERE ended_at IS NULL;
