-- What the gateway nodes counted, per API proxy and minute, kept for the last hour: the console's traffic
-- charts. Each node's count of a minute is its own row (a repeated report replaces it), so the nodes of an
-- environment add up and a report sent twice counts once.
CREATE TABLE proxy_traffic (
    environment   TEXT    NOT NULL COLLATE NOCASE,
    node_id       TEXT    NOT NULL,
    project       TEXT    NOT NULL,
    proxy         TEXT    NOT NULL,
    minute        INTEGER NOT NULL,
    requests      INTEGER NOT NULL,
    client_errors INTEGER NOT NULL,
    server_errors INTEGER NOT NULL,
    -- Requests per latency bucket, as a JSON array (model::LATENCY_BOUNDS_MS).
    latency       TEXT    NOT NULL,
    PRIMARY KEY (environment, node_id, project, proxy, minute)
);
CREATE INDEX proxy_traffic_by_proxy ON proxy_traffic (project, proxy, minute);

-- How each node last saw each backend of each API proxy it serves.
CREATE TABLE backend_health (
    environment TEXT NOT NULL COLLATE NOCASE,
    node_id     TEXT NOT NULL,
    project     TEXT NOT NULL,
    proxy       TEXT NOT NULL,
    address     TEXT NOT NULL,
    state       TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (environment, node_id, project, proxy, address)
);
CREATE INDEX backend_health_by_proxy ON backend_health (project, proxy);

-- The overview's reads: what failed in the last minutes, the backends no node reaches, the latest deploys.
CREATE INDEX proxy_traffic_by_minute ON proxy_traffic (minute);
CREATE INDEX backend_health_unreachable ON backend_health (reported_at) WHERE state = 'UNREACHABLE';
CREATE INDEX deploy_history_by_time ON deploy_history (at, id);
