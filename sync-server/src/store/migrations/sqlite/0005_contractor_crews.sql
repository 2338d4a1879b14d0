-- Contractor crews (施工单位) enrol devices: a person with the role `contractor` works for one contractor
-- company of the organisation's reference data, and their devices see that company's orders only.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (nothing references it).
CREATE TABLE people_new (
    org         TEXT NOT NULL REFERENCES orgs(id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('technician', 'dispatcher', 'supervisor', 'admin', 'contractor')),
    skills      TEXT NOT NULL DEFAULT '[]',
    contractor  TEXT,
    CHECK ((role = 'contractor') = (contractor IS NOT NULL)),
    PRIMARY KEY (org, id)
);
INSERT INTO people_new(org, id, name, role, skills) SELECT org, id, name, role, skills FROM people;
DROP TABLE people;
ALTER TABLE people_new RENAME TO people;
