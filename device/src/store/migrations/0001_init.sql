-- Signoff device store, schema 1.
-- Documents are the source of truth; everything in order_index and order_fts is derived from them
-- and can be rebuilt (`signoff rebuild-index`).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per work-order document. The compacted Automerge snapshot lives in `snapshot_chunks`, cut in
-- pieces of at most 960 bytes: SQLite keeps one ~3 KB row per 4 KB page (a third of each page wasted),
-- while ~1 KB rows tile pages at ~95 % (measured: documents 1.38x the snapshot bytes whole, ~1.05x chunked).
CREATE TABLE documents (
    rowid          INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    snapshot_len   INTEGER NOT NULL,
    snapshot_source TEXT NOT NULL,
    quarantined    TEXT
);

CREATE TABLE snapshot_chunks (
    doc    INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (doc, n)
) WITHOUT ROWID;

-- Changes appended since the snapshot, in order, with the source of the write that made each.
-- Compaction folds them into the snapshot. Appending touches only this table's page, not `documents`.
CREATE TABLE changes (
    doc     INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    source  TEXT NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (doc, seq)
) WITHOUT ROWID;

-- Recent writes, with their source (ui, sync, import), so the app can tell its own edits from arrivals
-- (each stored change also names its source). Trimmed to the newest 10,000.
CREATE TABLE write_log (
    seq     INTEGER PRIMARY KEY,
    doc_id  TEXT NOT NULL,
    source  TEXT NOT NULL CHECK (source IN ('ui', 'sync', 'import')),
    at_ms   INTEGER NOT NULL,
    what    TEXT NOT NULL
);

-- The materialised index: one row per order, written in the same transaction as its change.
CREATE TABLE order_index (
    rid               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    provisional_no    TEXT NOT NULL,
    official_no       TEXT,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    urgency_rank      INTEGER NOT NULL,
    category          TEXT NOT NULL,
    assignee_kind     TEXT,
    assignee_id       TEXT,
    unit_id           TEXT NOT NULL,
    unit_label        TEXT NOT NULL,
    project_id        TEXT NOT NULL,
    building_id       TEXT NOT NULL,
    reporter_name     TEXT NOT NULL,
    summary           TEXT NOT NULL,
    reported_ms       INTEGER,
    assigned_ms       INTEGER,
    appointment_ms    INTEGER,
    completed_ms      INTEGER,
    closed_ms         INTEGER,
    next_due_ms       INTEGER,
    next_due_start_ms INTEGER,
    next_due_kind     TEXT,
    attention         INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL,
    max_hlc           TEXT NOT NULL
);
CREATE INDEX order_index_assignee ON order_index(assignee_id, status);
CREATE INDEX order_index_status_due ON order_index(status, next_due_ms);
CREATE INDEX order_index_due ON order_index(next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX order_index_unit ON order_index(unit_id);
CREATE INDEX order_index_project ON order_index(project_id, reported_ms);
CREATE INDEX order_index_reported ON order_index(reported_ms);
CREATE INDEX order_index_official ON order_index(official_no) WHERE official_no IS NOT NULL;
CREATE INDEX order_index_provisional ON order_index(provisional_no);

-- Full-text search; trigrams so Chinese substrings match. detail=none keeps only which rows hold each
-- trigram (about half the size): a query ANDs a word's trigrams and checks the text itself with instr,
-- which also serves words shorter than three characters (漏水 in 卫生间漏水).
CREATE VIRTUAL TABLE order_fts USING fts5(body, tokenize = 'trigram', detail = 'none');

-- Office reference data (projects, buildings, units, people, contractors, categories) and settings.
CREATE TABLE reference (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
