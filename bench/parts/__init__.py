"""Benchmarks of single parts: the generator's speed, Iceberg loads (bulk and daily), a load in
batches."""
