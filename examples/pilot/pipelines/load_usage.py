# Loads daily product-usage aggregates from S3 at 03:30 UTC (placeholder for the real job).
