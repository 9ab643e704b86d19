"""The Apache Spark engine of the build (`mco build --engine spark`, README "Running on Spark").

Staging (reading, pseudonymising and quarantining the deliveries) stays in DuckDB, so no raw learner
identifier ever reaches Spark. Staging then writes a Parquet lake in Hive layout (`lake.py`); Spark SQL
builds the curated tables and the marts from the same model files as DuckDB (`transpile.py`, `run.py`);
they come back into the build's DuckDB warehouse with DuckDB's own column types, and the indicator cube,
the quality gate and the atomic swap run as on the DuckDB engine.
"""
