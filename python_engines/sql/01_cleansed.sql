-- stage cleansed: trim (spaces, tabs, line breaks), normalise, parse timestamps to utc, give each bad row one reject reason.
-- inputs: raw_events (all strings + source_file). one row out per row in.
with trimmed as (
    select
        nullif(trim(event_id, ' ' || chr(9) || chr(10) || chr(13)), '') as event_id,
        nullif(trim(user_id, ' ' || chr(9) || chr(10) || chr(13)), '') as user_id,
        nullif(trim("timestamp", ' ' || chr(9) || chr(10) || chr(13)), '') as ts_text,
        nullif(trim(page_url, ' ' || chr(9) || chr(10) || chr(13)), '') as page_url,
        lower(nullif(trim(device, ' ' || chr(9) || chr(10) || chr(13)), '')) as device_text,
        lower(nullif(trim(event_type, ' ' || chr(9) || chr(10) || chr(13)), '')) as event_type_text,
        nullif(trim(ip_address, ' ' || chr(9) || chr(10) || chr(13)), '') as ip_address,
        nullif(event_id, '') as raw_event_id,
        nullif(user_id, '') as raw_user_id,
        nullif(session_id, '') as raw_session_id,
        nullif("timestamp", '') as raw_timestamp,
        nullif(page_url, '') as raw_page_url,
        nullif(country, '') as raw_country,
        nullif(device, '') as raw_device,
        nullif(ip_address, '') as raw_ip_address,
        nullif(event_type, '') as raw_event_type,
        source_file
    from raw_events
),

-- iso-8601: yyyy-mm-dd[ t]hh:mm:ss[.ffffff][z|+hh:mm|-hh:mm], years 1000-9999, fields in range.
shaped as (
    select
        *,
        regexp_matches(
            ts_text,
            '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$'
        ) as ts_is_iso
    from trimmed
),

-- the text of an iso timestamp (null otherwise) and what follows its seconds: nothing (almost
-- every row), a fraction, a zone, or both. the shape check guarantees what the rest can hold, so
-- it is read with plain tests: only an offset has a ':' (and its sign is the rest's only '-'),
-- only a fraction starts with '.', only a z ends with 'z'. (reading the whole text at positions
-- counted from its end was slower on polars.)
split_ts as (
    select
        *,
        case when ts_is_iso then ts_text end as ts_iso_text,
        case when ts_is_iso then substr(ts_text, 20) end as ts_rest
    from shaped
),

-- the offset's text (null without one) and the length of the zone suffix (z: 1, an offset: 6).
zoned as (
    select
        *,
        case when ts_rest like '%:%' then ts_rest end as ts_offset_text,
        case when ts_rest like '%:%' then 6 when ts_rest like '%Z' then 1 else 0 end
            as ts_suffix_length
    from split_ts
),

-- the fields of yyyy-mm-dd?hh:mm:ss[.ffffff][zone], as integers, read in place (the shape
-- check guarantees the digits); the fraction runs from the rest's 2nd character to the zone.
fields as (
    select
        *,
        try_cast(substr(ts_iso_text, 1, 4) as bigint) as ts_year,
        try_cast(substr(ts_iso_text, 6, 2) as bigint) as ts_month,
        try_cast(substr(ts_iso_text, 9, 2) as bigint) as ts_day,
        try_cast(substr(ts_iso_text, 12, 2) as bigint) * 3600
        + try_cast(substr(ts_iso_text, 15, 2) as bigint) * 60
        + try_cast(substr(ts_iso_text, 18, 2) as bigint) as ts_second_of_day,
        coalesce(
            (case when ts_offset_text like '%-%' then -1 else 1 end)
            * (
                try_cast(substr(ts_offset_text, length(ts_offset_text) - 4, 2) as bigint) * 60
                + try_cast(substr(ts_offset_text, length(ts_offset_text) - 1, 2) as bigint)
            ),
            0
        ) as ts_offset_minutes,
        coalesce(
            try_cast(
                rpad(
                    case
                        when ts_rest like '.%'
                            then substr(ts_rest, 2, length(ts_rest) - 1 - ts_suffix_length)
                    end,
                    6,
                    '0'
                ) as bigint
            ),
            0
        ) as ts_microsecond
    from zoned
),

-- calendar arithmetic instead of each engine's string-to-timestamp parser (their leniency differs,
-- and polars infers a format per chunk): days since 1970-01-01 by the days-from-civil algorithm
-- (h. hinnant) on a year that starts on march 1st; a day past its month's end (2026-02-29,
-- 2026-04-31) is a bad timestamp.
civil as (
    select
        *,
        ts_year - case when ts_month <= 2 then 1 else 0 end as march_year,
        (153 * (ts_month + case when ts_month > 2 then -3 else 9 end) + 2) // 5 + ts_day - 1
            as march_day_of_year,
        ts_day <= case
            when ts_month = 2
                then case
                    when (ts_year % 4 = 0 and ts_year % 100 <> 0) or ts_year % 400 = 0 then 29 else 28
                end
            when ts_month in (4, 6, 9, 11) then 30
            else 31
        end as ts_day_exists
    from fields
),

parsed as (
    select
        *,
        case
            when ts_day_exists
                then (
                    (
                        (march_year // 400) * 146097
                        + (march_year % 400) * 365
                        + (march_year % 400) // 4
                        - (march_year % 400) // 100
                        + march_day_of_year
                        - 719468
                    ) * 86400
                    + ts_second_of_day
                    - ts_offset_minutes * 60
                ) * 1000000
                + ts_microsecond
        end as ts_epoch_us
    from civil
)

select
    event_id,
    user_id,
    make_timestamp(ts_epoch_us) as event_ts,
    page_url,
    case when device_text in ('mobile', 'desktop', 'tablet') then device_text else 'unknown' end
        as device,
    case
        when event_type_text in (
            'page_view', 'product_view', 'search', 'add_to_cart', 'remove_from_cart',
            'checkout_start', 'purchase', 'login', 'logout'
        ) then event_type_text
        else 'unknown'
    end as event_type,
    ip_address,
    case
        when event_id is null then 'missing_event_id'
        when user_id is null then 'missing_user_id'
        when ts_text is null then 'missing_timestamp'
        when ts_epoch_us is null then 'bad_timestamp'
    end as reject_reason,
    raw_event_id,
    raw_user_id,
    raw_session_id,
    raw_timestamp,
    raw_page_url,
    raw_country,
    raw_device,
    raw_ip_address,
    raw_event_type,
    source_file
from parsed
