"""Spark's horizontal scaling from its own task timings: event log, replay (Sparklens), Ernest fit."""
