-- "Nothing" is NULL, not a made-up value: a gateway node that has applied nothing yet has no applied version
-- or hash (was -1 and ''), and a history record written with no environment (a rollback without one, an
-- import) has no environment name (was '').
ALTER TABLE gateway_nodes
    ALTER COLUMN applied_version DROP NOT NULL,
    ALTER COLUMN applied_version DROP DEFAULT,
    ALTER COLUMN applied_hash DROP NOT NULL,
    ALTER COLUMN applied_hash DROP DEFAULT;
UPDATE gateway_nodes SET applied_version = NULL, applied_hash = NULL WHERE applied_version < 0;
UPDATE gateway_nodes SET applied_hash = NULL WHERE applied_hash = '';
ALTER TABLE gateway_nodes
    ADD CONSTRAINT gateway_nodes_applied_version_check CHECK (applied_version >= 0),
    ADD CONSTRAINT gateway_nodes_applied_hash_check CHECK (applied_hash <> '');

ALTER TABLE deploy_history
    ALTER COLUMN environment_name DROP NOT NULL,
    ALTER COLUMN environment_name DROP DEFAULT;
UPDATE deploy_history SET environment_name = NULL WHERE environment_name = '';
ALTER TABLE deploy_history ADD CONSTRAINT deploy_history_environment_name_check CHECK (environment_name <> '');
ALTER TABLE deploy_history ALTER COLUMN public_id DROP DEFAULT;
