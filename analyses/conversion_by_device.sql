-- Which devices convert best, and how engaged are their sessions?
-- uv run dbt compile --select conversion_by_device, then run target/compiled/... in DuckDB.
select
    device,
    count(*) as sessions,
    round(avg(case when converted_purchase then 1 else 0 end), 3) as conversion,
    round(avg(case when is_engaged then 1 else 0 end), 3) as engaged
from {{ ref('fct_sessions') }}
group by device
order by conversion desc
