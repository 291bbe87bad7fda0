"""Benchmarks: each case runs in a fresh process; results are dated JSON under bench/results/."""
