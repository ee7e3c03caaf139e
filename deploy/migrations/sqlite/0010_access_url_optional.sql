-- An environment with no access URL has none (NULL), not ''. SQLite cannot drop NOT NULL from a column, and
-- rebuilding `environments` would cascade through every table that references it, so the column is replaced:
-- added anew, filled, the old one dropped. PostgreSQL's migration does the same, so the columns' order stays
-- the same on both backends.
ALTER TABLE environments ADD COLUMN access_url_new TEXT CHECK (access_url_new <> '');
UPDATE environments SET access_url_new = NULLIF(access_url, '');
ALTER TABLE environments DROP COLUMN access_url;
ALTER TABLE environments RENAME COLUMN access_url_new TO access_url;
