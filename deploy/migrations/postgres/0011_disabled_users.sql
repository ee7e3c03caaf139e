-- A disabled account signs in nowhere: its console sessions end and its access tokens stop working.
-- When it was disabled, or NULL while it is enabled.
ALTER TABLE users ADD COLUMN disabled_at TEXT COLLATE "C";
-- Goes up each time the account is disabled: a console session's key is derived from it and the password
-- hash, so enabling the account again does not bring its old sessions back.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
