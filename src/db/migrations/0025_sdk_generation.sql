-- Issue #13: the vendor SDK's generation of the API next to the reference pages. Every field the
-- SDK sends is stored (or refused by the API), never dropped.

-- Organizations: resellers' child organizations, a contact e-mail, retention periods (enforced by
-- src/retention), and the organization-wide webhook key style that agents without their own use.
ALTER TABLE organizations
  ADD COLUMN parent_org_id           uuid REFERENCES organizations (id) ON DELETE SET NULL,
  ADD COLUMN email                   text,
  ADD COLUMN content_retention_days  integer CHECK (content_retention_days IN (30, 90, 180, 365)),
  ADD COLUMN metadata_retention_days integer CHECK (metadata_retention_days IN (30, 90, 180, 365, 730)),
  ADD COLUMN webhook_format          text CHECK (webhook_format IN ('camel', 'snake')),
  -- Content (transcripts, recordings) is never kept longer than metadata: a transcript repeats
  -- the caller's number. NULL = kept without limit.
  ADD CONSTRAINT organizations_retention_order CHECK (
    metadata_retention_days IS NULL OR (content_retention_days IS NOT NULL AND content_retention_days <= metadata_retention_days));
CREATE INDEX organizations_parent_idx ON organizations (parent_org_id) WHERE parent_org_id IS NOT NULL;

-- Agents: NULL = the organization's webhook_format (else camel). Until now 'camel' was the only
-- default, so stored 'camel' values become NULL and follow an organization default once one is set.
ALTER TABLE agents ALTER COLUMN webhook_format DROP NOT NULL, ALTER COLUMN webhook_format DROP DEFAULT;
UPDATE agents SET webhook_format = NULL WHERE webhook_format = 'camel';

-- SIP trunks in the SDK's terms: a provider label, the addresses the carrier sends INVITEs from
-- (the ingress allow-list takes them besides the host), and the number presented on outbound
-- calls. A trunk without an outbound address keeps host = '' (inbound only).
ALTER TABLE sip_trunks
  ADD COLUMN provider          text,
  ADD COLUMN inbound_addresses text[] NOT NULL DEFAULT '{}',
  ADD COLUMN outbound_number   text;

-- Every address a trunk of an organization may send INVITEs from, for src/telephony/allow-list.ts:
-- `SELECT DISTINCT org_id, host FROM sip_trunk_ingress_hosts`.
CREATE VIEW sip_trunk_ingress_hosts AS
  SELECT org_id, host FROM sip_trunks WHERE host <> ''
  UNION
  SELECT org_id, unnest(inbound_addresses) AS host FROM sip_trunks;

-- Numbers can be switched off without losing their agent (the SDK's is_active).
ALTER TABLE numbers ADD COLUMN is_active boolean NOT NULL DEFAULT true;

-- Leads carry the SDK's optional display name.
ALTER TABLE leads ADD COLUMN name text;
