-- Nothing lost: per run, the rows the run log says came in equal the rows in of its files.
with

files as (
    select run_id, sum(rows_in) as rows_in from {{ ref('data_quality_by_file') }} group by run_id
),

runs as (
    select * from {{ ref('stg_runs') }}
),

totals as (
    select run_id, sum(rows_in) as rows_in from runs group by run_id
)

select totals.run_id, totals.rows_in as logged, files.rows_in as counted
from totals
left join files on totals.run_id = files.run_id
where files.rows_in is null or files.rows_in <> totals.rows_in
