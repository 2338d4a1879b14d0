-- A technician's feed asks for the organisation's reference entry after its cursor. Through
-- feed_org_seq that walked every feed entry of the organisation after the cursor (thousands per sync
-- under load); this index finds the one reference entry directly.
CREATE INDEX feed_org_kind_seq ON feed(org, kind, seq);
