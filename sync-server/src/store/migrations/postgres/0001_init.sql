-- Signoff server store (PostgreSQL), schema 1. Same tables as the SQLite schema, with one difference:
-- feed positions are per organisation and taken from `orgs.feed_last` inside the writing transaction.
-- That row lock orders an organisation's writers, so positions become visible in commit order and a
-- device's cursor never skips a position that commits later (a sequence would hand out numbers in
-- start order, and a reader could pass a number whose transaction has not committed yet).

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    feed_last   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE people (
    org     TEXT NOT NULL REFERENCES orgs(id),
    id      TEXT NOT NULL,
    name    TEXT NOT NULL,
    role    TEXT NOT NULL CHECK (role IN ('technician', 'dispatcher', 'supervisor', 'admin')),
    skills  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (org, id)
);

CREATE TABLE enrolments (
    code_hash   TEXT PRIMARY KEY,
    org         TEXT NOT NULL,
    person      TEXT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    used_ms     BIGINT,
    device      TEXT
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    org          TEXT NOT NULL,
    person       TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    enrolled_ms  BIGINT NOT NULL,
    revoked_ms   BIGINT
);

CREATE TABLE documents (
    id        TEXT PRIMARY KEY,
    org       TEXT NOT NULL,
    version   BIGINT NOT NULL,
    snapshot  BYTEA NOT NULL,
    assignee  TEXT,
    creator   TEXT NOT NULL,
    official  TEXT,
    heads     BYTEA NOT NULL,
    seq       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX documents_org ON documents(org);
CREATE INDEX documents_assignee_seq ON documents(org, assignee, seq);
CREATE INDEX documents_creator_seq ON documents(org, creator, seq) WHERE assignee IS NULL;

CREATE TABLE doc_changes (
    doc    TEXT NOT NULL,
    n      INTEGER NOT NULL,
    bytes  BYTEA NOT NULL,
    PRIMARY KEY (doc, n)
);

-- The newest entry per (org, kind, key) only.
CREATE TABLE feed (
    org   TEXT NOT NULL,
    seq   BIGINT NOT NULL,
    kind  TEXT NOT NULL CHECK (kind IN ('doc', 'reference')),
    key   TEXT NOT NULL,
    PRIMARY KEY (org, seq),
    UNIQUE (org, kind, key)
);
CREATE INDEX feed_org_kind_seq ON feed(org, kind, seq);

CREATE TABLE knowledge (
    device          TEXT NOT NULL,
    doc             TEXT NOT NULL,
    heads           BYTEA,
    pending         BYTEA,
    pending_cursor  BIGINT,
    PRIMARY KEY (device, doc)
);
CREATE INDEX knowledge_pending ON knowledge(device, pending_cursor) WHERE pending_cursor IS NOT NULL;

CREATE TABLE numbers (
    org   TEXT NOT NULL,
    year  INTEGER NOT NULL,
    last  BIGINT NOT NULL,
    PRIMARY KEY (org, year)
);

CREATE TABLE reference (
    org   TEXT PRIMARY KEY,
    json  TEXT NOT NULL
);

CREATE TABLE blobs (
    sha          TEXT PRIMARY KEY,
    size         BIGINT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);

CREATE TABLE doc_blobs (
    doc  TEXT NOT NULL,
    sha  TEXT NOT NULL,
    PRIMARY KEY (doc, sha)
);
CREATE INDEX doc_blobs_sha ON doc_blobs(sha);
