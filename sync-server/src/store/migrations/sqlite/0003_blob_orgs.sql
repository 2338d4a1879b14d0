-- Photos belong to organisations. The bytes are stored once per hash, but an organisation may read
-- a photo (or hear that it is stored) only after one of its own devices uploaded those bytes: a device
-- of another organisation that names the hash in its own order learns nothing and gets nothing.
CREATE TABLE blob_orgs (
    sha  TEXT NOT NULL,
    org  TEXT NOT NULL,
    PRIMARY KEY (sha, org)
) WITHOUT ROWID;
INSERT OR IGNORE INTO blob_orgs(sha, org) SELECT b.sha, d.org FROM blobs b JOIN devices d ON d.id = b.uploaded_by;
