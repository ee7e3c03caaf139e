-- Gateway node tokens: what a data-plane node on another machine proves itself with to the control plane.
-- One environment each; only the SHA-256 of a token is kept; revoked, never deleted (the audit trail names them).
CREATE TABLE node_tokens (
    id             INTEGER PRIMARY KEY,
    environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    token_hash     TEXT    NOT NULL UNIQUE,
    hint           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    revoked_at     TEXT,
    last_used_at   TEXT
);
CREATE INDEX node_tokens_by_environment ON node_tokens (environment_id);
