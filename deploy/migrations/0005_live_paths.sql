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

CREATE TRIGGER live_paths_inserted AFTER INSERT ON deployments BEGIN
    INSERT INTO live_paths (proxy_id, environment_id, path)
    SELECT NEW.proxy_id, NEW.environment_id, rtrim(json_extract(NEW.snapshot, '$.proxy.relativePath'), '/');
    INSERT INTO live_paths (proxy_id, environment_id, path)
    SELECT NEW.proxy_id, NEW.environment_id,
           rtrim(j.value, '/') || rtrim(json_extract(NEW.snapshot, '$.proxy.relativePath'), '/')
    FROM json_each(NEW.snapshot, '$.group.settings.clientRoute.relativePathList') j;
END;
CREATE TRIGGER live_paths_updated AFTER UPDATE OF snapshot ON deployments BEGIN
    DELETE FROM live_paths WHERE proxy_id = OLD.proxy_id AND environment_id = OLD.environment_id;
    INSERT INTO live_paths (proxy_id, environment_id, path)
    SELECT NEW.proxy_id, NEW.environment_id, rtrim(json_extract(NEW.snapshot, '$.proxy.relativePath'), '/');
    INSERT INTO live_paths (proxy_id, environment_id, path)
    SELECT NEW.proxy_id, NEW.environment_id,
           rtrim(j.value, '/') || rtrim(json_extract(NEW.snapshot, '$.proxy.relativePath'), '/')
    FROM json_each(NEW.snapshot, '$.group.settings.clientRoute.relativePathList') j;
END;

-- What is live already owns its paths.
INSERT INTO live_paths (proxy_id, environment_id, path)
SELECT d.proxy_id, d.environment_id, rtrim(json_extract(d.snapshot, '$.proxy.relativePath'), '/') FROM deployments d;
INSERT INTO live_paths (proxy_id, environment_id, path)
SELECT d.proxy_id, d.environment_id,
       rtrim(j.value, '/') || rtrim(json_extract(d.snapshot, '$.proxy.relativePath'), '/')
FROM deployments d, json_each(d.snapshot, '$.group.settings.clientRoute.relativePathList') j;
