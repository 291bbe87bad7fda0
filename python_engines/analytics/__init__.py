"""The analytical layer's Python side: the lakehouse as DuckDB views for dbt (a dbt-duckdb
plugin), the same sources as Spark temp views for the ``spark`` target, and ad-hoc queries."""
