-- The products dataset's table (jobs/datasets/products.dataset). Job migrations are numbered
-- from 1001, engine migrations (ops/migrations) below 1000, so that their names never clash.

CREATE TABLE products (
    tenant text NOT NULL,
    sku text NOT NULL,
    name text NOT NULL,
    category text,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    quantity integer NOT NULL,
    updated_at timestamptz,
    PRIMARY KEY (tenant, sku)
);
