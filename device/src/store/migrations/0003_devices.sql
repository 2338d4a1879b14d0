-- Devices whose sign-off statements this device can verify: itself, and the ones the office's reference
-- data (later: sync) tells it about. A revoked device's earlier signatures stay verifiable.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    revoked_ms  INTEGER
) WITHOUT ROWID;
