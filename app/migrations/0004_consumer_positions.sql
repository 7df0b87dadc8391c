-- Which Kafka records PostgreSQL holds, so a database restored from a backup (or an empty one) is brought forward by
-- replaying the topic from where it stands rather than from where the consumer group's committed offset says.
--
-- consumer_positions: per (topic, partition) the offset of the next record PostgreSQL lacks; the consumer writes it
-- in the same transaction as the batch that stored the records before it, and never moves it backwards.
CREATE TABLE consumer_positions (
    topic       text        NOT NULL,
    partition   integer     NOT NULL CHECK (partition >= 0),
    next_offset bigint      NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- replay_gaps: a partition whose needed offset Kafka no longer has (retention passed, records deleted). The consumer
-- pauses that partition and records the gap here; `python -m app.tools.replay_gap accept` gives those records up
-- (accepted_at set, the position moved to earliest_offset). At most one open gap per partition.
CREATE TABLE replay_gaps (
    id               bigserial   PRIMARY KEY,
    topic            text        NOT NULL,
    partition        integer     NOT NULL CHECK (partition >= 0),
    needed_offset    bigint      NOT NULL CHECK (needed_offset >= 0),
    earliest_offset  bigint      NOT NULL,
    detected_at      timestamptz NOT NULL DEFAULT now(),
    accepted_at      timestamptz NULL,
    accepted_by_note text        NULL,
    CHECK (earliest_offset > needed_offset)
);
CREATE UNIQUE INDEX replay_gaps_open_idx ON replay_gaps (topic, partition) WHERE accepted_at IS NULL;

-- Seed the positions of an existing database from what it stored: max offset + 1 per partition over the votes and
-- the dead letters. vote_events rows have no topic column: on a site they all come from the votes topic, whose name
-- is a setting (VOTELAB_KAFKA_TOPIC, default from app/core/topics.json), so `python -m app.tools.migrate` hands it
-- in as votelab.votes_topic rather than this file naming it. A redelivered event stored only once (its vote id was
-- known) makes a seed a lower bound: the consumer then reads a few records again, which store_batch dedupes.
DO $$
BEGIN
    IF coalesce(current_setting('votelab.votes_topic', true), '') = '' THEN
        RAISE EXCEPTION 'votelab.votes_topic is not set: apply migrations with python -m app.tools.migrate, which sets it from VOTELAB_KAFKA_TOPIC';
    END IF;
END
$$;

INSERT INTO consumer_positions (topic, partition, next_offset)
SELECT topic, partition, max(next_offset)
FROM (
    SELECT current_setting('votelab.votes_topic') AS topic, source_partition AS partition,
           max(source_offset) + 1 AS next_offset
    FROM vote_events
    WHERE source_partition IS NOT NULL AND source_offset IS NOT NULL
    GROUP BY source_partition
    UNION ALL
    SELECT source_topic, source_partition, max(source_offset) + 1
    FROM dead_letters
    GROUP BY source_topic, source_partition
) AS stored
GROUP BY topic, partition;
