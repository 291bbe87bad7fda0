-- stage copied_ids: the event_ids that more than one row passing cleansing shares (a few per
-- thousand). a hash aggregate of the ids alone: a count over a window partitioned by event_id
-- sorted or shuffled every column of every row to find them (slow on duckdb and spark at 10m).
-- a stage of its own (not a cte): ranked_copies and geolocated both read it, and spark 4.1 fails
-- on a cte read by both branches of a union (PushdownPredicatesAndPruneColumnsForCTEDef).
select event_id
from cleansed
where reject_reason is null
group by event_id
having count(*) > 1
