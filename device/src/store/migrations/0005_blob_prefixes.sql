-- Schema 5: `blob_refs` keeps 8-byte prefixes of the SHA-256 digests its documents name, not whole
-- digests (~250 B instead of ~1 KB per order of nine photos, the biggest part of the store after the
-- documents). The table only answers "does some document still name this blob?" for garbage
-- collection and uploads; a prefix shared by chance keeps a blob, it never loses one. The integrity
-- check reads the documents themselves for the full names of what is missing.

CREATE TABLE blob_refs_v5 (
    doc       INTEGER PRIMARY KEY,
    prefixes  BLOB NOT NULL
);

-- Cut each packed row into its 32-byte digests and keep the first 8 bytes of each, in order.
WITH RECURSIVE cut(doc, hashes, at, packed) AS (
    SELECT doc, hashes, 0, x'' FROM blob_refs
    UNION ALL
    SELECT doc, hashes, at + 32, CAST(packed || substr(hashes, at + 1, 8) AS BLOB) FROM cut
    WHERE at < length(hashes)
)
INSERT INTO blob_refs_v5(doc, prefixes)
SELECT doc, packed FROM cut WHERE at >= length(hashes) AND length(packed) > 0;

DROP TABLE blob_refs;
ALTER TABLE blob_refs_v5 RENAME TO blob_refs;
