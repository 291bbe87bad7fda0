-- stage ranked_copies: the rows that passed cleansing and share their event_id with another, ranked
-- within the id. copy 1 is kept, the others are duplicates. the order: earliest event_ts, then
-- earliest source_file, then the raw text, the raw id last (a total order over every column, so
-- every engine keeps the same row: copies equal but for spaces around the id had tied).
-- only ids with copies are sorted; the other rows are kept as they are (geolocated reads them
-- straight from cleansed, without copying every column of every row into one more table).
select
    *,
    row_number() over (
        partition by event_id
        order by
            event_ts, source_file, raw_timestamp, raw_user_id, raw_page_url, raw_device,
            raw_event_type, raw_ip_address, raw_session_id, raw_country, raw_event_id
    ) as event_copy
from cleansed
where reject_reason is null and event_id in (select event_id from copied_ids)
