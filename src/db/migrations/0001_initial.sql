-- voxgate initial schema (DESIGN §5). Every organization-owned table carries org_id with an index.
-- Child rows that point at another org-owned row do so through a composite (org_id, id) foreign
-- key, so the database itself refuses a number of org A pointing at an agent of org B.
-- "ON DELETE SET NULL (col)" (PostgreSQL 15+) clears only the reference, never org_id.

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- Organizations and keys -------------------------------------------------------------------------

CREATE TABLE organizations (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL,
  -- NULL = unlimited (flireo-api A.2); billing rules apply only to orgs with a balance.
  minutes_balance integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  key_hash   text NOT NULL UNIQUE,            -- SHA-256 hex of the whole key
  prefix     text NOT NULL,                   -- visible part, e.g. vg_live_ab12cd
  name       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_org_id_idx ON api_keys (org_id);

-- Agents and templates ---------------------------------------------------------------------------

CREATE TABLE agents (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name                        text NOT NULL,
  business_name               text,
  notification_email          text,
  first_message               text,
  is_active                   boolean NOT NULL DEFAULT true,
  webhook_url                 text,
  webhook_secret              text,
  webhook_events              text[] NOT NULL DEFAULT '{}',
  stt_config                  jsonb,
  llm_config                  jsonb,
  tts_config                  jsonb,
  analysis_plan               jsonb,
  voicemail_detection         boolean NOT NULL DEFAULT false,
  voicemail_message           text,
  autonomous_silence_handling boolean NOT NULL DEFAULT false,
  silence_timeout_seconds     integer,
  max_duration_seconds        integer NOT NULL DEFAULT 1800,
  webhook_format              text NOT NULL DEFAULT 'camel' CHECK (webhook_format IN ('camel', 'snake')),
  recording_enabled           boolean NOT NULL DEFAULT true,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE INDEX agents_org_id_idx ON agents (org_id, created_at);

CREATE TABLE tool_templates (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name        text NOT NULL,
  description text,
  tool_type   text NOT NULL,                  -- function | endCall | transferCall (snake aliases normalised by the service)
  tool_config jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_templates_org_id_idx ON tool_templates (org_id, created_at);

CREATE TABLE analysis_templates (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                 uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name                   text NOT NULL,
  description            text,
  system_prompt          text,
  user_prompt            text,
  schema                 jsonb NOT NULL DEFAULT '{}',
  messages               jsonb,               -- guide-page variant: [{role, content}]
  min_messages_threshold integer,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analysis_templates_org_id_idx ON analysis_templates (org_id, created_at);

-- Telephony --------------------------------------------------------------------------------------

CREATE TABLE sip_trunks (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id              uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name                text NOT NULL,
  host                text NOT NULL,
  port                integer NOT NULL DEFAULT 5060 CHECK (port BETWEEN 1 AND 65535),
  username            text,
  password_encrypted  text,                   -- SecretBox (src/crypto.ts); never returned
  transport           text NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp')),
  transfer_mode       text NOT NULL DEFAULT 'bridge' CHECK (transfer_mode IN ('bridge', 'refer')),
  is_default_outbound boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE INDEX sip_trunks_org_id_idx ON sip_trunks (org_id, created_at);
-- At most one default outbound trunk per org; switching the default is unset-then-set in one transaction.
CREATE UNIQUE INDEX sip_trunks_one_default_per_org ON sip_trunks (org_id) WHERE is_default_outbound;

CREATE TABLE numbers (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id            uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  phone_number      text NOT NULL UNIQUE,     -- E.164; globally unique: a dialed number routes to one org
  name              text,
  agent_id          uuid,
  transfer_trunk_id uuid,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE SET NULL (agent_id),
  FOREIGN KEY (org_id, transfer_trunk_id) REFERENCES sip_trunks (org_id, id) ON DELETE SET NULL (transfer_trunk_id)
);
CREATE INDEX numbers_org_id_idx ON numbers (org_id, created_at);
CREATE INDEX numbers_agent_id_idx ON numbers (agent_id);

CREATE TABLE byok_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider      text NOT NULL CHECK (provider IN ('deepgram', 'openai', 'elevenlabs', 'xai', 'resend', 'mistral')),
  secret_id     uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),  -- the "vault secret id" the API shows
  key_encrypted text NOT NULL,                                   -- SecretBox (src/crypto.ts)
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, provider)
);

CREATE TABLE domains (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id           uuid NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,  -- one per org
  domain_name      text NOT NULL,
  resend_domain_id text,
  status           text NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'pending', 'verified', 'failed')),
  region           text,
  records          jsonb NOT NULL DEFAULT '[]',
  verified_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Campaigns --------------------------------------------------------------------------------------

CREATE TABLE campaigns (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name                    text NOT NULL,
  status                  text NOT NULL DEFAULT 'draft'
                            CHECK (status IN ('draft', 'scheduled', 'paused', 'completed', 'cancelled')),
  agent_id                uuid,               -- NULL after the agent was deleted: the dialer skips the campaign
  number_id               uuid,
  system_message_template text,
  schedule_start_time     time NOT NULL DEFAULT '09:00:00',
  schedule_end_time       time NOT NULL DEFAULT '17:00:00',
  timezone                text NOT NULL DEFAULT 'Europe/Amsterdam',
  schedule_days           text[] NOT NULL DEFAULT '{mon,tue,wed,thu,fri,sat,sun}',
  max_concurrent_calls    integer NOT NULL DEFAULT 2 CHECK (max_concurrent_calls >= 1),
  max_attempts            integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  retry_delay_minutes     integer NOT NULL DEFAULT 60 CHECK (retry_delay_minutes >= 0),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE SET NULL (agent_id),
  FOREIGN KEY (org_id, number_id) REFERENCES numbers (org_id, id) ON DELETE SET NULL (number_id)
);
CREATE INDEX campaigns_org_id_idx ON campaigns (org_id, created_at);
CREATE INDEX campaigns_scheduled_idx ON campaigns (status) WHERE status = 'scheduled';

CREATE TABLE leads (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  campaign_id     uuid NOT NULL,
  phone_number    text NOT NULL,
  variables       jsonb NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'calling', 'completed', 'failed', 'skipped')),
  call_id         uuid,                       -- the latest call; FK added below (calls refer back to leads)
  attempts        integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  next_attempt_at timestamptz,                -- earliest retry; NULL = as soon as the window allows
  last_result     text,                       -- end_reason of the latest attempt
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE CASCADE
);
CREATE INDEX leads_org_id_idx ON leads (org_id);
CREATE INDEX leads_campaign_idx ON leads (campaign_id, created_at);
CREATE INDEX leads_dialable_idx ON leads (campaign_id, next_attempt_at) WHERE status = 'pending';

-- Calls ------------------------------------------------------------------------------------------

CREATE TABLE calls (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- the same id in REST and webhooks
  org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  direction        text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'web')),
  status           text NOT NULL CHECK (status IN ('ringing', 'connecting', 'in-progress', 'forwarding', 'transferred',
                                                   'ended', 'ended-with-error', 'failed', 'rejected')),
  end_reason       text CHECK (end_reason IN ('customer-hangup', 'agent-hangup', 'max-duration', 'silence-timeout',
                                              'voicemail', 'transferred', 'provider-error', 'sip-error', 'rejected',
                                              'no-answer', 'busy')),
  error            text,
  agent_id         uuid,
  number_id        uuid,
  campaign_id      uuid,
  lead_id          uuid,
  agent_name       text,                      -- snapshots: the call keeps them after the agent changes
  business_name    text,
  caller_phone     text,
  assistant_phone  text,
  room_name        text,
  node_id          text,                      -- the node that owns the live call (DESIGN §6)
  sip_call_id      text,
  started_at       timestamptz,               -- answered
  ended_at         timestamptz,
  duration_seconds integer,
  summary          text,
  analysis_result  jsonb,
  recording_path   text,
  token_usage      jsonb,
  quality_stats    jsonb,
  metadata         jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE SET NULL (agent_id),
  FOREIGN KEY (org_id, number_id) REFERENCES numbers (org_id, id) ON DELETE SET NULL (number_id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE SET NULL (campaign_id),
  FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id) ON DELETE SET NULL (lead_id)
);
CREATE INDEX calls_org_created_idx ON calls (org_id, created_at DESC);
CREATE INDEX calls_org_status_idx ON calls (org_id, status);
CREATE INDEX calls_active_idx ON calls (org_id) WHERE status IN ('ringing', 'connecting', 'in-progress', 'forwarding');
CREATE INDEX calls_campaign_idx ON calls (campaign_id) WHERE campaign_id IS NOT NULL;

ALTER TABLE leads ADD FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE SET NULL (call_id);

CREATE TABLE call_messages (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  call_id    uuid NOT NULL,
  seq        integer NOT NULL,
  role       text NOT NULL CHECK (role IN ('system', 'assistant', 'user', 'tool')),
  content    text NOT NULL,
  started_at timestamptz,
  ended_at   timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (call_id, seq),
  FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);
CREATE INDEX call_messages_org_id_idx ON call_messages (org_id);

CREATE TABLE call_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  call_id    uuid NOT NULL,
  type       text NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);
CREATE INDEX call_events_call_idx ON call_events (call_id, id);
CREATE INDEX call_events_org_id_idx ON call_events (org_id);

CREATE TABLE usage_logs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  call_id          uuid,
  duration_seconds integer NOT NULL DEFAULT 0,
  minutes_used     integer NOT NULL DEFAULT 0,   -- per started minute (flireo-api B §5.6)
  cost             numeric(12, 4) NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE SET NULL (call_id)
);
CREATE INDEX usage_logs_org_created_idx ON usage_logs (org_id, created_at DESC);
-- One usage row per call, so a retried finalisation cannot bill twice.
CREATE UNIQUE INDEX usage_logs_one_per_call ON usage_logs (call_id) WHERE call_id IS NOT NULL;

-- Webhook deliveries -----------------------------------------------------------------------------

CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- the event id: X-Webhook-Id, stable across retries
  org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  call_id          uuid,
  agent_id         uuid,
  event_type       text NOT NULL,
  url              text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  last_status_code integer,
  last_error       text,
  next_attempt_at  timestamptz,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE SET NULL (call_id),
  FOREIGN KEY (org_id, agent_id) REFERENCES agents (org_id, id) ON DELETE SET NULL (agent_id)
);
CREATE INDEX webhook_deliveries_org_created_idx ON webhook_deliveries (org_id, created_at DESC);
CREATE INDEX webhook_deliveries_call_idx ON webhook_deliveries (call_id, created_at) WHERE call_id IS NOT NULL;
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering');

CREATE TABLE webhook_delivery_attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  delivery_id   uuid NOT NULL,
  attempt       integer NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  duration_ms   integer,
  status_code   integer,
  error         text,
  response_body text,                         -- truncated by the sender
  FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, attempt);
CREATE INDEX webhook_delivery_attempts_org_id_idx ON webhook_delivery_attempts (org_id);

-- updated_at maintenance -------------------------------------------------------------------------

CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER agents_updated_at BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER tool_templates_updated_at BEFORE UPDATE ON tool_templates FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER analysis_templates_updated_at BEFORE UPDATE ON analysis_templates FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER sip_trunks_updated_at BEFORE UPDATE ON sip_trunks FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER numbers_updated_at BEFORE UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER byok_keys_updated_at BEFORE UPDATE ON byok_keys FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER domains_updated_at BEFORE UPDATE ON domains FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER campaigns_updated_at BEFORE UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER leads_updated_at BEFORE UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER calls_updated_at BEFORE UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER webhook_deliveries_updated_at BEFORE UPDATE ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION set_updated_at();
