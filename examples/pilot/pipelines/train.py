# Retrains churn-forecast on the last 12 quarters and backtests it against the spreadsheet baseline (placeholder).
