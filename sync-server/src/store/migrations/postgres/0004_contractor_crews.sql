-- Contractor crews (see the SQLite migration 0005).
ALTER TABLE people ADD COLUMN contractor TEXT;
ALTER TABLE people DROP CONSTRAINT people_role_check;
ALTER TABLE people ADD CONSTRAINT people_role_check
    CHECK (role IN ('technician', 'dispatcher', 'supervisor', 'admin', 'contractor'));
ALTER TABLE people ADD CONSTRAINT people_contractor_check CHECK ((role = 'contractor') = (contractor IS NOT NULL));
