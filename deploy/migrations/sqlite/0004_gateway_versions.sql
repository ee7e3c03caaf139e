-- Gateways poll this counter to know when what is live in their environment changed. Triggers bump it in
-- the same transaction as the change, so every path that deploys, undeploys or rolls back is covered.
ALTER TABLE environments ADD COLUMN live_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER deployments_inserted AFTER INSERT ON deployments BEGIN
    UPDATE environments SET live_version = live_version + 1 WHERE id = NEW.environment_id;
END;
CREATE TRIGGER deployments_updated AFTER UPDATE ON deployments BEGIN
    UPDATE environments SET live_version = live_version + 1
    WHERE id IN (OLD.environment_id, NEW.environment_id);
END;
CREATE TRIGGER deployments_deleted AFTER DELETE ON deployments BEGIN
    UPDATE environments SET live_version = live_version + 1 WHERE id = OLD.environment_id;
END;

-- What each gateway node says it serves, written after every swap and as a heartbeat, so the console
-- shows what the data plane itself runs rather than what the deployments table intends.
CREATE TABLE gateway_reports (
    node_id     TEXT    NOT NULL,
    environment TEXT    NOT NULL COLLATE NOCASE,
    version     INTEGER NOT NULL,
    routes      TEXT    NOT NULL,
    reported_at TEXT    NOT NULL,
    PRIMARY KEY (node_id, environment)
);
