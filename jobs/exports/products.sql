-- The caller's products, one row each in SKU order, optionally of one category: a full
-- listing, for spreadsheets and other systems.
-- param category text optional
SELECT sku, name, category, price_cents, quantity, updated_at
FROM products
WHERE tenant = :tenant
  AND (:category IS NULL OR category = :category)
ORDER BY sku
