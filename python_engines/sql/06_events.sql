-- stage events: sessionize. per user, events ordered by (event_ts, event_id); a session starts at a
-- user's first event and after every gap longer than the session_gap_minutes setting (exactly the gap
-- continues it). session_id = user_id + '-' + the session's first event_ts in epoch microseconds:
-- deterministic on every engine and stable when later events extend the session.
with gaps as (
    select
        *,
        epoch_us(event_ts) - epoch_us(
            lag(event_ts) over (partition by user_id order by event_ts, event_id)
        ) as gap_us
    from geolocated
),

numbered as (
    select
        *,
        sum(case when gap_us is null or gap_us > cast(:session_gap_minutes as bigint) * 60000000 then 1 else 0 end)
            over (
                partition by user_id order by event_ts, event_id
                rows between unbounded preceding and current row
            ) as session_number
    from gaps
),

started as (
    select
        *,
        min(event_ts) over (partition by user_id, session_number) as session_start
    from numbered
)

select
    event_id,
    user_id,
    cast(event_ts as timestamptz) as event_ts,
    cast(event_ts as date) as event_date,
    page_url,
    device,
    event_type,
    ip_address,
    ip_number,
    country_code,
    user_id || '-' || cast(epoch_us(session_start) as varchar) as session_id
from started
