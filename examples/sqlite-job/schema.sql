-- The database's schema, version 2: applying it again changes nothing.
CREATE TABLE IF NOT EXISTS hosts (
    name TEXT PRIMARY KEY,
    added TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO settings (key, value) VALUES ('retention_days', '30');
PRAGMA user_version = 2;
