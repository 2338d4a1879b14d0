-- Schema 6: the whole-page part of a snapshot goes in `snapshot_pages`, rows of PAGE_ROW (4,048) bytes
-- that each fill one 4 KB leaf page of a rowid table; only the rest is cut into `snapshot_chunks`.
-- Chunks alone left a sixth of their pages empty: a compaction that changes a snapshot's chunk count
-- splits pages, which then stay partly empty. The row id packs the document and the part:
-- (documents.rowid << 20) | n, so the table needs no second index. Reading concatenates the pages in
-- order, then the chunks; existing snapshots (all in chunks) read unchanged and move on compaction.
CREATE TABLE snapshot_pages (
    id     INTEGER PRIMARY KEY,
    bytes  BLOB NOT NULL
);
