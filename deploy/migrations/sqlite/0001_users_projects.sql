-- Accounts that sign in to the console (and, later, own API access tokens).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    system_admin  INTEGER NOT NULL DEFAULT 0 CHECK (system_admin IN (0, 1)),
    created_at    TEXT    NOT NULL
);

CREATE TABLE projects (
    id                INTEGER PRIMARY KEY,
    -- Stable opaque id (32 lower-case hex) that outside tools may keep.
    public_id         TEXT    NOT NULL UNIQUE,
    name              TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    description       TEXT    NOT NULL DEFAULT '',
    history_retention INTEGER NOT NULL DEFAULT 10 CHECK (history_retention >= 1),
    created_at        TEXT    NOT NULL,
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL
);

-- A member holds permissions on the API_MANAGEMENT module, or the project admin role (all of them).
CREATE TABLE project_members (
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_admin INTEGER NOT NULL DEFAULT 0 CHECK (project_admin IN (0, 1)),
    -- Comma-separated subset of VIEW, MANAGE, DEPLOY_UNDEPLOY, EXPORT_IMPORT.
    permissions   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_by_user ON project_members (user_id);

-- Every change, from the console, the API or the command line.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_name TEXT    NOT NULL,
    project_id  INTEGER REFERENCES projects (id) ON DELETE SET NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_project ON audit_log (project_id, id);
