# Retrains ticket-router on the last 180 days of closed tickets, evaluates against the holdout and registers the candidate (placeholder).
