-- Imports are listed newest first, a tenant's or every tenant's (the dashboard's imports
-- page): each list is a range of one of these indexes, however many imports are kept, in the
-- lists' order, ties in time broken by id.

CREATE INDEX conveyor_imports_tenant_accepted ON conveyor_imports (tenant, accepted_at, id);
CREATE INDEX conveyor_imports_accepted ON conveyor_imports (accepted_at, id);
