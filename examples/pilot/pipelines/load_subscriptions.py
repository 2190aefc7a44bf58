# Loads subscription events from Snowflake into the churn-forecast feature store daily (placeholder for the real job).
