-- Exports are listed newest first, a tenant's or every tenant's (the dashboard's exports
-- page): each list is a range of one of these indexes, however many records are kept, in the
-- lists' order, ties in time broken by id.

CREATE INDEX conveyor_exports_tenant_requested ON conveyor_exports (tenant, requested_at, id);
CREATE INDEX conveyor_exports_requested ON conveyor_exports (requested_at, id);
