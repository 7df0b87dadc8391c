-- vote_events is written once per vote on the hot path and never searched by voter or status with an index
-- (status counts are a rare sequential scan), so these two indexes only slowed the consumer's batch inserts.
DROP INDEX IF EXISTS vote_events_voter_idx;
DROP INDEX IF EXISTS vote_events_status_idx;
