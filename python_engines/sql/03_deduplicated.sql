-- stage deduplicated: one row per event_id among the rows that passed cleansing; the others are
-- duplicates. the kept row: earliest event_ts, then earliest source_file, then the raw text (a total
-- order, so every engine keeps the same row). only ids that have copies are sorted.
select *, cast(1 as bigint) as event_copy
from counted
where copies = 1
union all
select
    *,
    row_number() over (
        partition by event_id
        order by
            event_ts, source_file, raw_timestamp, raw_user_id, raw_page_url, raw_device,
            raw_event_type, raw_ip_address, raw_session_id, raw_country
    ) as event_copy
from counted
where copies > 1
