-- Retention (issue #13, src/retention): when a call's content (transcript, summary, analysis,
-- recording) and its metadata (caller number, campaign link, events, custom metadata) were erased
-- after the organization's retention periods. NULL = not yet.
ALTER TABLE calls
  ADD COLUMN content_purged_at  timestamptz,
  ADD COLUMN metadata_purged_at timestamptz;

-- The daily purge walks each organization's finished calls by age.
CREATE INDEX calls_org_ended_idx ON calls (org_id, ended_at) WHERE ended_at IS NOT NULL;
