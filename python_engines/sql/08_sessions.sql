-- stage sessions: one row per session; entry and exit come from the events that open and close it.
select
    session_id,
    user_id,
    min(event_ts) as session_start,
    max(event_ts) as session_end,
    (epoch_us(max(event_ts)) - epoch_us(min(event_ts))) // 1000000 as duration_seconds,
    cast(count(*) as bigint) as event_count,
    max(case when is_session_entry then page_url end) as entry_page,
    max(case when is_session_exit then page_url end) as exit_page,
    max(case when is_session_entry then country_code end) as country_code,
    max(case when is_session_entry then device end) as device,
    max(case when event_type = 'purchase' then 1 else 0 end) = 1 as converted
from sessionized
group by session_id, user_id
