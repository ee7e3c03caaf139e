-- Sign-in limits in the database, so every replica (and every process on one file) counts the same failures.
-- One leaky bucket per key ("account <name> <address>" or "address <address>"): its level when last written,
-- and when, in milliseconds since the Unix epoch.
CREATE TABLE sign_in_buckets (
    key   TEXT    PRIMARY KEY,
    level REAL    NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX sign_in_buckets_by_age ON sign_in_buckets (at_ms);
