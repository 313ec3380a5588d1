"""District statistics: SQL-on-FHIR views, indicators and measure reports."""
