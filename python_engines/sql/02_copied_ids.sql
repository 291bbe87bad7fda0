-- stage copied_ids: the event_ids that more than one row passing cleansing shares (a few per
-- thousand). a hash aggregate of the ids alone: a count over a window partitioned by event_id
-- sorted or shuffled every column of every row (duckdb 10m: 12.3 s; spark: 80 s) to find them.
-- a stage of its own (not a cte): ranked_copies and geolocated both read it, and spark 4.1 fails
-- on a cte read by both branches of a union (PushdownPredicatesAndPruneColumnsForCTEDef).
select event_id
from cleansed
where reject_reason is null
group by event_id
having count(*) > 1
