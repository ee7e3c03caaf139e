-- Each deploy-history record gets a stable opaque id: the batch publish API answers it as `publish_id`.
ALTER TABLE deploy_history ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE deploy_history SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX deploy_history_by_public_id ON deploy_history (public_id);

-- Facts about this installation. `gateway_id` is the `instance_id` of the batch publish API's paths.
CREATE TABLE installation (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO installation (key, value) VALUES ('gateway_id', lower(hex(randomblob(16))));
