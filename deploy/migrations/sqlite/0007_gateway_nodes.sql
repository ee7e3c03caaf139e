-- The node registry: every gateway node that follows an environment, local or remote, with what it last
-- acknowledged. Keyed by environment too, so a node token of one environment cannot touch another's rows.
CREATE TABLE gateway_nodes (
    environment     TEXT    NOT NULL COLLATE NOCASE,
    node_id         TEXT    NOT NULL,
    host            TEXT    NOT NULL DEFAULT '',
    portico_version TEXT    NOT NULL DEFAULT '',
    applied_version INTEGER NOT NULL DEFAULT -1,
    applied_hash    TEXT    NOT NULL DEFAULT '',
    connected       INTEGER NOT NULL DEFAULT 0,
    connected_since TEXT,
    last_seen       TEXT    NOT NULL,
    PRIMARY KEY (environment, node_id)
);
