-- What configuration each live process runs: when it was loaded, and the errors of the last
-- rejected reload (NULL when the last reload succeeded). `reportd status` shows them.
ALTER TABLE instances ADD COLUMN config_loaded_at BIGINT;
ALTER TABLE instances ADD COLUMN config_error TEXT;
ALTER TABLE instances ADD COLUMN config_error_at BIGINT;
