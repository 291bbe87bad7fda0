-- stage sessions: one row per session.
with ordered as (
    select
        *,
        row_number() over (partition by session_id order by event_ts, event_id) as position,
        row_number() over (partition by session_id order by event_ts desc, event_id desc) as from_end
    from events
)

select
    session_id,
    user_id,
    min(event_ts) as session_start,
    max(event_ts) as session_end,
    (epoch_us(max(event_ts)) - epoch_us(min(event_ts))) // 1000000 as duration_seconds,
    cast(count(*) as bigint) as event_count,
    max(case when position = 1 then page_url end) as entry_page,
    max(case when from_end = 1 then page_url end) as exit_page,
    max(case when position = 1 then country_code end) as country_code,
    max(case when position = 1 then device end) as device,
    max(case when event_type = 'purchase' then 1 else 0 end) = 1 as converted
from ordered
group by session_id, user_id
