-- An environment with no access URL has none (NULL), not ''. Done as SQLite must do it (a new column, filled,
-- the old one dropped), so the columns' order stays the same on both backends.
ALTER TABLE environments ADD COLUMN access_url_new TEXT CHECK (access_url_new <> '');
UPDATE environments SET access_url_new = NULLIF(access_url, '');
ALTER TABLE environments DROP COLUMN access_url;
ALTER TABLE environments RENAME COLUMN access_url_new TO access_url;
ALTER TABLE environments RENAME CONSTRAINT environments_access_url_new_check TO environments_access_url_check;
