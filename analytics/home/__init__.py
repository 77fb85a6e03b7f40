"""The partner home: action inbox, pipeline, funds, training, tier progress and health; the KPI API."""
