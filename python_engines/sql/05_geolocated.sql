-- stage geolocated: ipv4 dotted quad -> 64-bit integer -> country of the containing range, else zz.
-- each distinct address is located once (the generated sets hold far fewer addresses than events),
-- and the events take their address's number and country by an equi-join on the address text.
-- the range lookup is an as-of search done with a window, inside each /16 block: the range starts
-- and the addresses of a block are ordered by number, and each address carries the largest range
-- start at or before it (a range frame: a range that starts at the address itself is its peer, so
-- it counts); one equi-join then fetches that range's end and country. (a between join is a
-- nested loop on duckdb and spark; an equi-join on the block plus a between filter is materialised
-- whole by polars -- several candidate ranges per address, far more in the busiest blocks; and
-- polars' left range join is wrong.) ip_ranges holds one row per /16 block a range touches
-- (bucket).
-- the kept events: ids without copies, and copy 1 of the others (03_ranked_copies). a row that
-- passed cleansing has an event_id, and copied_ids holds no null: not in is an anti join.
with kept as (
    select event_id, user_id, event_ts, page_url, device, event_type, ip_address
    from cleansed
    where reject_reason is null and event_id not in (select event_id from copied_ids)
    union all
    select event_id, user_id, event_ts, page_url, device, event_type, ip_address
    from ranked_copies
    where event_copy = 1
),

addresses as (
    select distinct ip_address
    from kept
    where ip_address is not null
),

dotted as (
    select
        ip_address,
        case
            when regexp_matches(ip_address, '^[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}$')
                then ip_address
        end as quad
    from addresses
),

octets as (
    select
        ip_address,
        try_cast(split_part(quad, '.', 1) as bigint) as o1,
        try_cast(split_part(quad, '.', 2) as bigint) as o2,
        try_cast(split_part(quad, '.', 3) as bigint) as o3,
        try_cast(split_part(quad, '.', 4) as bigint) as o4
    from dotted
),

numbered as (
    select
        ip_address,
        case
            when o1 <= 255 and o2 <= 255 and o3 <= 255 and o4 <= 255
                then o1 * 16777216 + o2 * 65536 + o3 * 256 + o4
        end as ip_number
    from octets
),

-- an address with no number has a null block: no range shares it, so it finds no range.
-- only the ranges of the blocks some address is in take part (a daily file's addresses are in a
-- part of the blocks, so only a part of the range rows joins).
points as (
    select
        bucket, range_start as ip_key, 0 as kind, range_start, cast(null as varchar) as ip_address
    from ip_ranges
    where bucket in (select ip_number // 65536 from numbered)
    union all
    select
        ip_number // 65536 as bucket, ip_number as ip_key, 1 as kind, cast(null as bigint),
        ip_address
    from numbered
),

carried as (
    select
        *,
        max(range_start) over (
            partition by bucket order by ip_key
            range between unbounded preceding and current row
        ) as candidate_start
    from points
),

located as (
    select
        c.ip_address,
        c.ip_key as ip_number,
        case when c.ip_key <= r.range_end then r.country_code else 'ZZ' end as country_code
    from carried as c
    left join ip_ranges as r on r.bucket = c.bucket and r.range_start = c.candidate_start
    where c.kind = 1
)

-- an event with no address finds none: no number, country zz.
select
    k.event_id,
    k.user_id,
    k.event_ts,
    k.page_url,
    k.device,
    k.event_type,
    k.ip_address,
    a.ip_number,
    coalesce(a.country_code, 'ZZ') as country_code
from kept as k
left join located as a on a.ip_address = k.ip_address
