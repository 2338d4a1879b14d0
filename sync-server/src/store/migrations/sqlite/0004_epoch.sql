-- The server's restore epoch: a random id made once, and made anew whenever the database is restored
-- from a backup (`signoff-server restore`, or `signoff-server new-epoch` after restoring PostgreSQL).
-- Every sync answer carries it; a device that sees it change offers everything again, so work the
-- restored database lost comes back and nothing is doubled.
CREATE TABLE server_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO server_meta(key, value) VALUES ('epoch', lower(hex(randomblob(8))));
