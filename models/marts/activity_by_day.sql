-- One row per UTC calendar day, device and country: everything that happened that day, whatever
-- day its session started (sessions_by_start_day counts sessions on their start day instead).
with

events as (
    select * from {{ ref('stg_events') }}
),

countries as (
    select * from {{ ref('country_codes') }}
),

by_day as (
    select
        event_date,
        device,
        country_code,
        count(distinct user_id) as active_users,
        count(distinct session_id) as active_sessions,
        count(*) as events,
        count(case when {{ is_view() }} then 1 end) as views,
        count(case when event_type = '{{ var('primary_conversion') }}' then 1 end)
            as {{ var('primary_conversion') }}_events
    from events
    group by event_date, device, country_code
),

final as (
    select
        by_day.event_date,
        by_day.device,
        by_day.country_code,
        coalesce(countries.country_name, 'Unlisted code') as country_name,
        by_day.active_users,
        by_day.active_sessions,
        by_day.events,
        by_day.views,
        by_day.{{ var('primary_conversion') }}_events
    from by_day
    left join countries on by_day.country_code = countries.country_code
)

select * from final
