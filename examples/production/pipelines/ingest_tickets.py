# Ingests new Zendesk tickets into s3://acme-support-lake/raw/tickets/ every 15 minutes (placeholder for the real Airflow task).
