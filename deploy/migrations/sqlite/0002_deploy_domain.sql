-- Personal API access tokens: only the SHA-256 of a token is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    -- The first characters of the token, so a person can tell tokens apart in a list.
    hint         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE environments (
    id          INTEGER PRIMARY KEY,
    public_id   TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    env_type    TEXT    NOT NULL CHECK (env_type IN ('PRODUCTION', 'SANDBOX', 'TEST')),
    description TEXT    NOT NULL DEFAULT '',
    access_url  TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL
);

-- Which projects may use which environments.
CREATE TABLE project_environments (
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, environment_id)
);

CREATE TABLE api_proxies (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT    NOT NULL UNIQUE,
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL COLLATE NOCASE,
    -- The proxy's configuration (routing, maintenance, CORS, cache, ...) as JSON.
    config        TEXT    NOT NULL,
    -- The last deploy-history revision handed out; revisions are never reused, even after retention.
    last_revision INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    UNIQUE (project_id, name)
);

-- A proxy's deploy list: the environments it may be deployed to.
CREATE TABLE proxy_deploy_targets (
    proxy_id       INTEGER NOT NULL REFERENCES api_proxies (id) ON DELETE CASCADE,
    environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    PRIMARY KEY (proxy_id, environment_id)
);

CREATE TABLE api_proxy_groups (
    id         INTEGER PRIMARY KEY,
    public_id  TEXT    NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL COLLATE NOCASE,
    -- Description, client route, group CORS and cache, as JSON.
    config     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES api_proxy_groups (id) ON DELETE CASCADE,
    proxy_id INTEGER NOT NULL REFERENCES api_proxies (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, proxy_id)
);
CREATE INDEX group_members_by_proxy ON group_members (proxy_id);

-- What is live: one configuration snapshot per proxy and environment.
CREATE TABLE deployments (
    proxy_id       INTEGER NOT NULL REFERENCES api_proxies (id) ON DELETE CASCADE,
    environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    revision       INTEGER NOT NULL,
    snapshot       TEXT    NOT NULL,
    deployed_by    TEXT    NOT NULL,
    deployed_at    TEXT    NOT NULL,
    PRIMARY KEY (proxy_id, environment_id)
);
CREATE INDEX deployments_by_environment ON deployments (environment_id);

-- One record per proxy for every deploy, undeploy, rollback and import.
CREATE TABLE deploy_history (
    id               INTEGER PRIMARY KEY,
    proxy_id         INTEGER NOT NULL REFERENCES api_proxies (id) ON DELETE CASCADE,
    revision         INTEGER NOT NULL,
    action           TEXT    NOT NULL,
    environment_name TEXT    NOT NULL DEFAULT '',
    username         TEXT    NOT NULL,
    at               TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    persistent       INTEGER NOT NULL DEFAULT 0 CHECK (persistent IN (0, 1)),
    snapshot         TEXT    NOT NULL,
    UNIQUE (proxy_id, revision)
);
