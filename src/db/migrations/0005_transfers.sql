-- Transfers (issue #10): who the target sees calling, and what a call's transfer did.

-- `caller` (the original caller's number, the default), `number` (our number), or an E.164.
ALTER TABLE sip_trunks ADD COLUMN transfer_caller_id text NOT NULL DEFAULT 'caller'
  CHECK (transfer_caller_id IN ('caller', 'number') OR transfer_caller_id ~ '^\+[1-9][0-9]{6,14}$');

-- The last transfer of the call: {target, mode, outcome, sip_status, reason, started_at,
-- answered_at, bridged_seconds}; null when there was none.
ALTER TABLE calls ADD COLUMN transfer jsonb;
