-- Products per category for the caller's tenant: how many products, the units in stock and
-- their value in cents (price times quantity). Products without a category are counted
-- under an empty category.
-- param category text optional
SELECT coalesce(category, '') AS category,
       count(*) AS products,
       sum(quantity) AS units,
       sum(price_cents * quantity) AS value_cents
FROM products
WHERE tenant = :tenant
  AND (:category IS NULL OR category = :category)
GROUP BY coalesce(category, '')
ORDER BY category
