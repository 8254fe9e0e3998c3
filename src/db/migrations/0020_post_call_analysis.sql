-- Post-call analysis (src/analysis): its results and bookkeeping on the call, and a transcript
-- that keeps what the media worker reports: interrupted turns (content = what the caller heard),
-- the model's tool calls and their results. call_messages is the one transcript: the REST API,
-- the end-of-call report and the analysis prompts all read it.

ALTER TABLE calls
  -- why the summary or structured analysis is missing (null when both are fine or not configured)
  ADD COLUMN analysis_error   text,
  -- when the analysis settled: results stored, or given up; null while pending or never run
  ADD COLUMN analyzed_at      timestamptz,
  -- when the end-of-call report was handed to the webhook queue (or found not wanted by the agent)
  ADD COLUMN report_queued_at timestamptz;

-- Calls that ended before this migration were reported the old way: the sweep must leave them.
UPDATE calls SET report_queued_at = COALESCE(ended_at, updated_at)
 WHERE status IN ('ended', 'ended-with-error', 'failed', 'rejected', 'transferred');

-- The sweep's question: final calls whose report never got queued.
CREATE INDEX calls_report_pending_idx ON calls (ended_at) WHERE report_queued_at IS NULL AND ended_at IS NOT NULL;

ALTER TABLE call_messages
  -- the turn was cut off by the caller; content is only what was heard
  ADD COLUMN interrupted  boolean NOT NULL DEFAULT false,
  -- assistant turns that called tools: [{id, name, arguments}]
  ADD COLUMN tool_calls   jsonb CHECK (tool_calls IS NULL OR jsonb_typeof(tool_calls) = 'array'),
  -- tool rows: the id of the call they answer, and the tool's name
  ADD COLUMN tool_call_id text,
  ADD COLUMN name         text;
