-- stage rejected_events: every row that is not kept, with its reason and the raw columns.
with rejected as (
    select raw_event_id, reject_reason as reason, raw_user_id, raw_session_id, raw_timestamp,
        raw_page_url, raw_country, raw_device, raw_ip_address, raw_event_type, source_file
    from cleansed
    where reject_reason is not null
    union all
    select raw_event_id, 'duplicate_event_id' as reason, raw_user_id, raw_session_id, raw_timestamp,
        raw_page_url, raw_country, raw_device, raw_ip_address, raw_event_type, source_file
    from ranked_copies
    where event_copy > 1
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
    source_file
from rejected
