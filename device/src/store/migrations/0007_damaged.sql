-- Store schema 7. An order whose document does not load whole is quarantined: its stored bytes stay
-- as they are (for salvage and support), and its last index row stays in every list, flagged
-- `damaged`, until a sync restores the order from the server's copy. It is never dropped from lists.
ALTER TABLE order_index ADD COLUMN damaged INTEGER NOT NULL DEFAULT 0;

-- What the device must tell its user about a restore: which order came back from the server, and
-- which kinds of unsynced change on this device could not be recovered. Shown until read.
CREATE TABLE notices (
    seq     INTEGER PRIMARY KEY,
    doc_id  TEXT NOT NULL,
    at_ms   INTEGER NOT NULL,
    code    TEXT NOT NULL,
    zh      TEXT NOT NULL,
    en      TEXT NOT NULL
);
