"""The lakehouse: Iceberg tables per engine in one catalog, loaded incrementally."""
