-- Present while Redis counters lag PostgreSQL (the consumer stored votes it could not count in Redis, and committed
-- their offsets). Kept in PostgreSQL so a consumer restarted in the meantime still rebuilds the counters and marks
-- the votes stored since `since` as counted. One row at most.
CREATE TABLE redis_catch_up (
    singleton boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    since     timestamptz NOT NULL
);
