-- The server's restore epoch (see the SQLite migration 0004).
CREATE TABLE server_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO server_meta(key, value) VALUES ('epoch', substr(md5(random()::text || clock_timestamp()::text), 1, 16));
