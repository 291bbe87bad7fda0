-- No two consecutive events of a session are further apart than the session gap the run log
-- recorded (the pipeline starts a new session after a longer gap).
with

events as (
    select * from {{ ref('stg_events') }}
),

gap as (
    select max(session_gap_minutes) * 60 * 1000000 as micros from {{ ref('stg_runs') }}
),

gaps as (
    select
        session_id,
        {{ epoch_us('event_ts') }} - lag({{ epoch_us('event_ts') }}) over ({{ in_session_order() }})
            as micros_since_previous
    from events
)

select gaps.session_id, gaps.micros_since_previous
from gaps
cross join gap
where gaps.micros_since_previous > gap.micros
