-- Leads keep the order they were added in (flireo-api B §3.13: "oldest first"), also inside one
-- bulk insert where every row has the same created_at. The dialer takes pending leads in this
-- order too.
ALTER TABLE leads ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX leads_campaign_seq_idx ON leads (campaign_id, seq);
