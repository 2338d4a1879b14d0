-- Signoff server store (SQLite), schema 1.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);

CREATE TABLE people (
    org     TEXT NOT NULL REFERENCES orgs(id),
    id      TEXT NOT NULL,
    name    TEXT NOT NULL,
    role    TEXT NOT NULL CHECK (role IN ('technician', 'dispatcher', 'supervisor', 'admin')),
    skills  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (org, id)
);

-- One-time enrolment codes, by SHA-256: the code itself is shown once and never stored.
CREATE TABLE enrolments (
    code_hash   TEXT PRIMARY KEY,
    org         TEXT NOT NULL,
    person      TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL,
    used_ms     INTEGER,
    device      TEXT
);

-- Devices and the SHA-256 of their access tokens (the token itself is never stored).
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    org          TEXT NOT NULL,
    person       TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    enrolled_ms  INTEGER NOT NULL,
    revoked_ms   INTEGER
);

-- Work-order documents: a compacted snapshot plus appended changes, with what routing needs.
CREATE TABLE documents (
    id        TEXT PRIMARY KEY,
    org       TEXT NOT NULL,
    version   INTEGER NOT NULL,
    snapshot  BLOB NOT NULL,
    assignee  TEXT,
    creator   TEXT NOT NULL,
    official  TEXT,
    heads     BLOB NOT NULL,
    -- The document's feed position (the newest entry in `feed` for it), so a technician's feed is read
    -- through these indexes instead of scanning the organisation's feed.
    seq       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX documents_org ON documents(org);
CREATE INDEX documents_assignee_seq ON documents(org, assignee, seq);
CREATE INDEX documents_creator_seq ON documents(org, creator, seq) WHERE assignee IS NULL;

CREATE TABLE doc_changes (
    doc    TEXT NOT NULL,
    n      INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (doc, n)
) WITHOUT ROWID;

-- The change feed: the newest entry per (org, kind, key) only.
CREATE TABLE feed (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    org   TEXT NOT NULL,
    kind  TEXT NOT NULL CHECK (kind IN ('doc', 'reference')),
    key   TEXT NOT NULL,
    UNIQUE (org, kind, key)
);
CREATE INDEX feed_org_seq ON feed(org, seq);

-- Heads each device has of each document; `pending` was sent in the response with `pending_cursor`.
CREATE TABLE knowledge (
    device          TEXT NOT NULL,
    doc             TEXT NOT NULL,
    heads           BLOB,
    pending         BLOB,
    pending_cursor  INTEGER,
    PRIMARY KEY (device, doc)
) WITHOUT ROWID;
CREATE INDEX knowledge_pending ON knowledge(device, pending_cursor) WHERE pending_cursor IS NOT NULL;

CREATE TABLE numbers (
    org   TEXT NOT NULL,
    year  INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    PRIMARY KEY (org, year)
);

CREATE TABLE reference (
    org   TEXT PRIMARY KEY,
    json  TEXT NOT NULL
);

CREATE TABLE blobs (
    sha          TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_ms   INTEGER NOT NULL
);

CREATE TABLE doc_blobs (
    doc  TEXT NOT NULL,
    sha  TEXT NOT NULL,
    PRIMARY KEY (doc, sha)
) WITHOUT ROWID;
CREATE INDEX doc_blobs_sha ON doc_blobs(sha);
