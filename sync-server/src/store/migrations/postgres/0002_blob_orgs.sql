-- Photos belong to organisations (see the SQLite migration 0003 for why).
CREATE TABLE blob_orgs (
    sha  TEXT NOT NULL,
    org  TEXT NOT NULL,
    PRIMARY KEY (sha, org)
);
INSERT INTO blob_orgs(sha, org) SELECT b.sha, d.org FROM blobs b JOIN devices d ON d.id = b.uploaded_by
ON CONFLICT DO NOTHING;
