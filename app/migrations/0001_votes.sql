-- Vote history, current ballots and dead letters. PostgreSQL is the source of truth; Redis counters derive from ballots.
CREATE TABLE vote_events (
    vote_id        uuid PRIMARY KEY,
    user_id        text        NOT NULL,
    candidate_id   text        NOT NULL CHECK (candidate_id IN ('monthly', 'biweekly')),
    vote_type      text        NOT NULL CHECK (vote_type IN ('for', 'against')),
    voted_at       timestamptz NOT NULL,
    status         text        NOT NULL CHECK (status IN ('stored', 'superseded')),
    -- the counter transition this vote caused: previous_type -> applied_type (NULL previous = first ballot,
    -- NULL applied = superseded, nothing counted). Kept so a redelivery can finish an interrupted Redis update.
    previous_type  text        NULL CHECK (previous_type IN ('for', 'against')),
    applied_type   text        NULL CHECK (applied_type IN ('for', 'against')),
    source_partition integer   NULL,
    source_offset  bigint      NULL,
    stored_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vote_events_voter_idx ON vote_events (user_id, candidate_id);
CREATE INDEX vote_events_status_idx ON vote_events (status);

CREATE TABLE ballots (
    user_id      text        NOT NULL,
    candidate_id text        NOT NULL CHECK (candidate_id IN ('monthly', 'biweekly')),
    vote_type    text        NOT NULL CHECK (vote_type IN ('for', 'against')),
    vote_id      uuid        NOT NULL,
    voted_at     timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, candidate_id)
);

CREATE TABLE dead_letters (
    id               bigserial PRIMARY KEY,
    source_topic     text        NOT NULL,
    source_partition integer     NOT NULL,
    source_offset    bigint      NOT NULL,
    vote_id          uuid        NULL,
    payload          bytea       NULL,
    error            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'reprocessed')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    reprocessed_at   timestamptz NULL,
    UNIQUE (source_topic, source_partition, source_offset)
);
CREATE INDEX dead_letters_status_idx ON dead_letters (status);
