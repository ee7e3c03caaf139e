-- The request paths each live deployment owns in its environment: its relative path, and that path under
-- each of its group's client route paths. A deploy whose paths equal, lie under or lie over another proxy's
-- in the same environment is refused, so one project can never take another's traffic. Triggers keep the
-- table in step with `deployments` in the same transaction, whichever path wrote it. Paths are stored
-- without a trailing '/', so the root is ''.
CREATE TABLE live_paths (
    proxy_id       INTEGER NOT NULL,
    environment_id INTEGER NOT NULL,
    path           TEXT    NOT NULL,
    FOREIGN KEY (proxy_id, environment_id) REFERENCES deployments (proxy_id, environment_id) ON DELETE CASCADE
);
CREATE INDEX live_paths_by_path ON live_paths (environment_id, path);
CREATE INDEX live_paths_by_deployment ON live_paths (proxy_id, environment_id);

-- The paths a deployment's snapshot answers at, computed once here (as `Snapshot::route_prefixes` does).
CREATE VIEW deployment_paths (proxy_id, environment_id, path) AS
    SELECT d.proxy_id, d.environment_id, rtrim(json_extract(d.snapshot, '$.proxy.relativePath'), '/')
    FROM deployments d
    UNION ALL
    SELECT d.proxy_id, d.environment_id,
           rtrim(j.value, '/') || rtrim(json_extract(d.snapshot, '$.proxy.relativePath'), '/')
    FROM deployments d, json_each(d.snapshot, '$.group.settings.clientRoute.relativePathList') j;

CREATE TRIGGER live_paths_inserted AFTER INSERT ON deployments BEGIN
    INSERT INTO live_paths (proxy_id, environment_id, path)
    SELECT proxy_id, environment_id, path FROM deployment_paths
    WHERE proxy_id = NEW.proxy_id AND environment_id = NEW.environment_id;
END;
-- A redeploy on the same paths (the usual case) leaves the rows as they are.
CREATE TRIGGER live_paths_updated AFTER UPDATE OF snapshot ON deployments
WHEN json_extract(OLD.snapshot, '$.proxy.relativePath') IS NOT json_extract(NEW.snapshot, '$.proxy.relativePath')
  OR json_extract(OLD.snapshot, '$.group.settings.clientRoute.relativePathList')
     IS NOT json_extract(NEW.snapshot, '$.group.settings.clientRoute.relativePathList')
BEGIN
    DELETE FROM live_paths WHERE proxy_id = OLD.proxy_id AND environment_id = OLD.environment_id;
    INSERT INTO live_paths (proxy_id, environment_id, path)
    SELECT proxy_id, environment_id, path FROM deployment_paths
    WHERE proxy_id = NEW.proxy_id AND environment_id = NEW.environment_id;
END;

-- Never holds a row: a deploy's write batch starts by inserting one here when one of its paths overlaps
-- another proxy's, and the constraint stops the batch before it writes anything. The check so costs no
-- round trip of its own on the deploy's hot path; the refusal's wording is looked up only when it fails.
CREATE TABLE path_guard (
    ok INTEGER NOT NULL CONSTRAINT one_path_one_owner CHECK (ok = 1)
);

-- What is live already owns its paths.
INSERT INTO live_paths (proxy_id, environment_id, path) SELECT proxy_id, environment_id, path FROM deployment_paths;
