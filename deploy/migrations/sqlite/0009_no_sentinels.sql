-- "Nothing" is NULL, not a made-up value: a gateway node that has applied nothing yet has no applied version
-- or hash (was -1 and ''), and a history record written with no environment (a rollback without one, an
-- import) has no environment name (was ''). SQLite cannot drop NOT NULL from a column, so both tables are
-- rebuilt; nothing references either of them. A hash without a version says nothing, so it goes too.
CREATE TABLE gateway_nodes_new (
    environment     TEXT    NOT NULL COLLATE NOCASE,
    node_id         TEXT    NOT NULL,
    host            TEXT    NOT NULL DEFAULT '',
    portico_version TEXT    NOT NULL DEFAULT '',
    applied_version INTEGER CHECK (applied_version >= 0),
    applied_hash    TEXT    CHECK (applied_hash <> ''),
    connected       INTEGER NOT NULL DEFAULT 0,
    connected_since TEXT,
    last_seen       TEXT    NOT NULL,
    PRIMARY KEY (environment, node_id)
);
INSERT INTO gateway_nodes_new (environment, node_id, host, portico_version, applied_version, applied_hash,
    connected, connected_since, last_seen)
SELECT environment, node_id, host, portico_version,
    CASE WHEN applied_version >= 0 THEN applied_version END,
    CASE WHEN applied_version >= 0 THEN NULLIF(applied_hash, '') END,
    connected, connected_since, last_seen
FROM gateway_nodes;
DROP TABLE gateway_nodes;
ALTER TABLE gateway_nodes_new RENAME TO gateway_nodes;

CREATE TABLE deploy_history_new (
    id               INTEGER PRIMARY KEY,
    proxy_id         INTEGER NOT NULL REFERENCES api_proxies (id) ON DELETE CASCADE,
    revision         INTEGER NOT NULL,
    action           TEXT    NOT NULL,
    environment_name TEXT    CHECK (environment_name <> ''),
    username         TEXT    NOT NULL,
    at               TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    persistent       INTEGER NOT NULL DEFAULT 0 CHECK (persistent IN (0, 1)),
    snapshot         TEXT    NOT NULL,
    public_id        TEXT    NOT NULL,
    UNIQUE (proxy_id, revision)
);
INSERT INTO deploy_history_new (id, proxy_id, revision, action, environment_name, username, at, description,
    persistent, snapshot, public_id)
SELECT id, proxy_id, revision, action, NULLIF(environment_name, ''), username, at, description,
    persistent, snapshot, public_id
FROM deploy_history
-- History of a proxy that is gone (only a database edited with foreign keys off holds any) would fail the
-- copy; its proxy's deletion would have removed it.
WHERE proxy_id IN (SELECT id FROM api_proxies);
DROP TABLE deploy_history;
ALTER TABLE deploy_history_new RENAME TO deploy_history;
CREATE UNIQUE INDEX deploy_history_by_public_id ON deploy_history (public_id);
