-- Photo blobs (files under <store>.blobs/, named by SHA-256) and which documents reference them.

-- One row per blob file this device holds or held.
CREATE TABLE blobs (
    sha          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('original', 'evidence', 'thumbnail')),
    bytes        INTEGER NOT NULL,
    -- For an original: the evidence copy made from it (the original may go once that is uploaded).
    evidence     TEXT,
    added_ms     INTEGER NOT NULL,
    uploaded_ms  INTEGER,
    -- The file was deleted to save space (an uploaded photo's original); the row remembers it existed.
    dropped      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Derived from the documents in the same transaction as each change (like order_index): the blobs a
-- document's non-removed photos name, as packed 32-byte SHA-256 digests in one row per document
-- (a row per hash with its index cost 4 KB per order of nine photos; this costs under 1 KB).
-- Garbage collection never deletes a blob listed here.
CREATE TABLE blob_refs (
    doc     INTEGER PRIMARY KEY,
    hashes  BLOB NOT NULL
);
