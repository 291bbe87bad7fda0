-- stage geolocated: ipv4 dotted quad -> 64-bit integer -> country of the containing range, else zz.
-- ip_ranges is bucketed by /16 (a range spanning several /16 blocks has one row per block): the
-- range join becomes an equi-join on the bucket plus a between filter, done as an inner join and
-- joined back, because a bare between join is a nested loop and polars' left range join is wrong.
with kept as (
    select event_id, user_id, event_ts, page_url, device, event_type, ip_address
    from deduplicated
    where event_copy = 1
),

dotted as (
    select
        *,
        case
            when regexp_matches(ip_address, '^[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}$')
                then ip_address
        end as quad
    from kept
),

octets as (
    select
        *,
        try_cast(split_part(quad, '.', 1) as bigint) as o1,
        try_cast(split_part(quad, '.', 2) as bigint) as o2,
        try_cast(split_part(quad, '.', 3) as bigint) as o3,
        try_cast(split_part(quad, '.', 4) as bigint) as o4
    from dotted
),

numbered as (
    select
        event_id, user_id, event_ts, page_url, device, event_type, ip_address,
        case
            when o1 <= 255 and o2 <= 255 and o3 <= 255 and o4 <= 255
                then o1 * 16777216 + o2 * 65536 + o3 * 256 + o4
        end as ip_number
    from octets
),

located as (
    select n.event_id, r.country_code
    from numbered as n
    inner join ip_ranges as r
        on r.bucket = n.ip_number // 65536
        and n.ip_number between r.range_start and r.range_end
)

select
    n.event_id,
    n.user_id,
    n.event_ts,
    n.page_url,
    n.device,
    n.event_type,
    n.ip_address,
    n.ip_number,
    coalesce(l.country_code, 'ZZ') as country_code
from numbered as n
left join located as l on l.event_id = n.event_id
