-- Sign-in limits in the database, so every replica counts the same failures (see the SQLite migration).
CREATE TABLE sign_in_buckets (
    key   TEXT             COLLATE "C" PRIMARY KEY,
    level DOUBLE PRECISION NOT NULL,
    at_ms BIGINT           NOT NULL
);
CREATE INDEX sign_in_buckets_by_age ON sign_in_buckets (at_ms);
