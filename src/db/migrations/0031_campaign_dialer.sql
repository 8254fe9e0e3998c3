-- Campaign dialer (issue #14, src/campaigns).
-- An org's do-not-call list, checked when a lead is about to be dialed.
CREATE TABLE dnc (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  phone_number text NOT NULL,
  reason       text,
  source       text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'agent')),
  call_id      uuid,                        -- the call whose callee asked (addToDoNotCall)
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, phone_number)
);

-- Why the platform paused a campaign (credits ran out, the agent or trunk cannot dial);
-- cleared when the user sets a status again.
ALTER TABLE campaigns
  ADD COLUMN paused_reason        text,
  ADD COLUMN retry_delays_minutes integer[];  -- widening delays per attempt; NULL = retry_delay_minutes

-- The claim of the current attempt: which node took it and when (a claim without a call row
-- expires; one with a call row is resolved from that row's final status).
ALTER TABLE leads
  ADD COLUMN claimed_by text,
  ADD COLUMN claimed_at timestamptz,
  ADD COLUMN last_error text;
CREATE INDEX leads_calling_idx ON leads (campaign_id) WHERE status = 'calling';
CREATE INDEX calls_lead_idx ON calls (lead_id, created_at) WHERE lead_id IS NOT NULL;

-- New calls per second a trunk takes from the dialer (carriers limit CPS).
ALTER TABLE sip_trunks ADD COLUMN calls_per_second integer NOT NULL DEFAULT 1 CHECK (calls_per_second BETWEEN 1 AND 1000);
