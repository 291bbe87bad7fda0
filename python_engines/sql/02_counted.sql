-- stage counted: the rows that passed cleansing, with how many share their event_id. a stage of its
-- own (not a cte) because spark 4.1 fails on a cte read by both branches of a union
-- (PushdownPredicatesAndPruneColumnsForCTEDef: "key not found").
select *, count(*) over (partition by event_id) as copies
from cleansed
where reject_reason is null
