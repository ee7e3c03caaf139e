-- A disabled account signs in nowhere: its console sessions end and its access tokens stop working.
-- When it was disabled, or NULL while it is enabled.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
