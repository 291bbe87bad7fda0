"""Hand-written pipelines per engine (no shared SQL): the baselines the one-SQL path is timed
against, checked equal to it first."""
