-- stage sessionized: per user, events ordered by (event_ts, event_id); a session starts at a user's
-- first event and after every gap longer than the session_gap_minutes setting (exactly the gap
-- continues it), and ends at the event before such a gap or at the user's last event.
-- session_id = user_id + '-' + the session's first event_ts in epoch microseconds: deterministic on
-- every engine and stable when later events extend the session.
with neighbours as (
    select
        *,
        lag(event_ts) over (partition by user_id order by event_ts, event_id) as previous_ts,
        lead(event_ts) over (partition by user_id order by event_ts, event_id) as next_ts
    from geolocated
),

bounded as (
    select
        *,
        previous_ts is null
        or epoch_us(event_ts) - epoch_us(previous_ts)
        > cast(:session_gap_minutes as bigint) * 60000000 as is_session_entry,
        next_ts is null
        or epoch_us(next_ts) - epoch_us(event_ts)
        > cast(:session_gap_minutes as bigint) * 60000000 as is_session_exit
    from neighbours
),

-- the session an event belongs to started at the latest entry at or before its event_ts. a range
-- frame takes in every event with the same event_ts, so the order needs no event_id tie-break (of
-- tied events only the first can be an entry: the others are 0 s after it), which saves a sort on it.
-- (ordering by event_ts, then the entry first, over a rows frame gives the same and was a little
-- quicker on polars at 10m, but spark then sorted every row a second time: this order is a prefix of
-- lag/lead's, so spark sorts once.)
started as (
    select
        *,
        max(case when is_session_entry then event_ts end) over (
            partition by user_id order by event_ts
            range between unbounded preceding and current row
        ) as session_start
    from bounded
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
    user_id || '-' || cast(epoch_us(session_start) as varchar) as session_id,
    is_session_entry,
    is_session_exit
from started
