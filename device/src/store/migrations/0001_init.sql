-- Signoff device store, schema 1.
-- Documents are the source of truth; everything in order_index and order_fts is derived from them
-- and can be rebuilt (`signoff rebuild-index`).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per work-order document: a compacted Automerge snapshot.
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    snapshot      BLOB NOT NULL,
    tail_changes  INTEGER NOT NULL DEFAULT 0,
    tail_bytes    INTEGER NOT NULL DEFAULT 0,
    next_seq      INTEGER NOT NULL DEFAULT 1,
    created_source TEXT NOT NULL,
    quarantined   TEXT
) WITHOUT ROWID;

-- Changes appended since the snapshot, in order. Compaction folds them into the snapshot.
CREATE TABLE changes (
    doc_id  TEXT NOT NULL REFERENCES documents(id),
    seq     INTEGER NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;

-- Every write, with its source (ui, sync, import), so the app can tell its own edits from arrivals.
CREATE TABLE write_log (
    seq     INTEGER PRIMARY KEY,
    doc_id  TEXT NOT NULL,
    source  TEXT NOT NULL CHECK (source IN ('ui', 'sync', 'import')),
    at_ms   INTEGER NOT NULL,
    what    TEXT NOT NULL
);
CREATE INDEX write_log_doc ON write_log(doc_id, seq);

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
    updated_ms        INTEGER NOT NULL
);
CREATE INDEX order_index_assignee ON order_index(assignee_id, status);
CREATE INDEX order_index_status_due ON order_index(status, next_due_ms);
CREATE INDEX order_index_due ON order_index(next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX order_index_unit ON order_index(unit_id);
CREATE INDEX order_index_project ON order_index(project_id, reported_ms);
CREATE INDEX order_index_reported ON order_index(reported_ms);
CREATE INDEX order_index_official ON order_index(official_no) WHERE official_no IS NOT NULL;
CREATE INDEX order_index_provisional ON order_index(provisional_no);

-- Full-text search over the index rows; trigrams so Chinese substrings match (漏水 in 卫生间漏水).
CREATE VIRTUAL TABLE order_fts USING fts5(body, tokenize = 'trigram');

-- Office reference data (projects, buildings, units, people, contractors, categories) and settings.
CREATE TABLE reference (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
