-- stage events: the clean, geolocated, sessionized events (the table users query).
select
    event_id, user_id, event_ts, event_date, page_url, device, event_type, ip_address, ip_number,
    country_code, session_id
from sessionized
