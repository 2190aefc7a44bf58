# Syncs the product catalog from BigQuery (acme-analytics.catalog.products) nightly at 02:00 UTC (placeholder for the real job).
