-- One row per input file (a landing zone's daily file): rows in, clean, rejected by reason, the
-- day its events belong to and the run that loaded it. Rows in = rows that passed cleansing
-- (duplicate copies included) + rows rejected by cleansing; clean = passed - duplicate copies.
with

run_files as (
    select * from {{ ref('int_run_files') }}
),

cleansed_events as (
    select * from {{ ref('stg_cleansed_events') }}
),

rejected_events as (
    select * from {{ ref('stg_rejected_events') }}
),

passed as (
    select source_file, count(*) as rows_passed
    from cleansed_events
    group by source_file
),

event_days as (
    -- the day most of the file's events fall on (a daily file also holds late events)
    select source_file, event_date as file_date
    from (
        select
            source_file,
            event_date,
            row_number() over (
                partition by source_file order by count(*) desc, event_date
            ) as rank_in_file
        from cleansed_events
        group by source_file, event_date
    ) as ranked
    where rank_in_file = 1
),

rejected as (
    select
        source_file,
        {% for reason in var('reject_reasons') %}
        count(case when reason = '{{ reason }}' then 1 end) as rejected_{{ reason }},
        {% endfor %}
        count(*) as rows_rejected
    from rejected_events
    group by source_file
),

final as (
    select
        run_files.source_file,
        event_days.file_date,
        run_files.run_id,
        run_files.run_sequence,
        run_files.loaded_at,
        coalesce(passed.rows_passed, 0)
            + coalesce(rejected.rows_rejected, 0)
            - coalesce(rejected.rejected_duplicate_event_id, 0) as rows_in,
        coalesce(passed.rows_passed, 0)
            - coalesce(rejected.rejected_duplicate_event_id, 0) as rows_clean,
        coalesce(rejected.rows_rejected, 0) as rows_rejected,
        {% for reason in var('reject_reasons') %}
        coalesce(rejected.rejected_{{ reason }}, 0) as rejected_{{ reason }},
        {% endfor %}
        coalesce(rejected.rows_rejected, 0) * 1e0 / nullif(
            coalesce(passed.rows_passed, 0)
                + coalesce(rejected.rows_rejected, 0)
                - coalesce(rejected.rejected_duplicate_event_id, 0),
            0
        ) as reject_rate
    from run_files
    left join passed on run_files.source_file = passed.source_file
    left join rejected on run_files.source_file = rejected.source_file
    left join event_days on run_files.source_file = event_days.source_file
)

select * from final
