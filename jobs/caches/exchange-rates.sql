-- Foreign exchange rates against the euro: the base currency, the date the rates are for,
-- and the rates by currency code, fetched from an external service once an hour.
--
-- '-- source' is the URL of the JSON document the query shapes, given to it as :source
-- (text; cast it with ::jsonb). Deployments point it elsewhere with
-- CONVEYOR_EXCHANGE_RATES_URL; the document must look like
-- {"base": "EUR", "date": "2025-01-31", "rates": {"USD": 1.04, ...}}. The value is stored
-- per tenant like every other, so the query still uses :tenant.
--
-- ttl 1h
-- result row
-- source ${CONVEYOR_EXCHANGE_RATES_URL:-https://api.frankfurter.app/latest?from=EUR}
SELECT doc->>'base' AS base,
       doc->>'date' AS date,
       doc->'rates' AS rates
FROM (SELECT :source::jsonb AS doc) AS fetched
WHERE :tenant <> ''
