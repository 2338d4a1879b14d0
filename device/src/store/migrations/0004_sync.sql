-- Sync state per work order. `local_seq` counts writes made on this device (ui, import) and is bumped
-- in the same transaction as each; `pushed_seq` is the count the server has accepted. A document is
-- waiting to upload while local_seq > pushed_seq, so an edit made during a sync is sent by the next
-- one, and only the changes after `base` (the server heads last seen) are sent.
CREATE TABLE sync_docs (
    doc           TEXT PRIMARY KEY,
    base          BLOB NOT NULL DEFAULT x'',
    local_seq     INTEGER NOT NULL DEFAULT 0,
    pushed_seq    INTEGER NOT NULL DEFAULT 0,
    -- The server refused the document at this local_seq; kept until a new edit.
    rejected_seq  INTEGER,
    reject_code   TEXT,
    reject_reason TEXT,
    -- The server no longer shows this order to this device (e.g. reassigned); local data is kept.
    gone          INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
