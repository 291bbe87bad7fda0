-- stage rejected_events: every row that is not kept, with its reason and the raw columns.
-- inputs also: malformed_lines (source_file, raw_line): csv lines that do not split into the nine
-- columns, found before any engine reads the file (python_engines/inputs/checks.py).
with rejected as (
    select raw_event_id, reject_reason as reason, raw_user_id, raw_session_id, raw_timestamp,
        raw_page_url, raw_country, raw_device, raw_ip_address, raw_event_type, source_file,
        cast(null as varchar) as raw_line
    from cleansed
    where reject_reason is not null
    union all
    select raw_event_id, 'duplicate_event_id' as reason, raw_user_id, raw_session_id, raw_timestamp,
        raw_page_url, raw_country, raw_device, raw_ip_address, raw_event_type, source_file,
        cast(null as varchar) as raw_line
    from ranked_copies
    where event_copy > 1
    union all
    select cast(null as varchar) as raw_event_id, 'malformed_line' as reason,
        cast(null as varchar) as raw_user_id, cast(null as varchar) as raw_session_id,
        cast(null as varchar) as raw_timestamp, cast(null as varchar) as raw_page_url,
        cast(null as varchar) as raw_country, cast(null as varchar) as raw_device,
        cast(null as varchar) as raw_ip_address, cast(null as varchar) as raw_event_type,
        source_file, raw_line
    from malformed_lines
)

select
    raw_event_id as event_id,
    reason,
    raw_user_id as user_id,
    raw_session_id as session_id,
    raw_timestamp as "timestamp",
    raw_page_url as page_url,
    raw_country as country,
    raw_device as device,
    raw_ip_address as ip_address,
    raw_event_type as event_type,
    source_file,
    raw_line
from rejected
