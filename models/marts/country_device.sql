-- Sessions, events and conversion by the session's first country and its device.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

countries as (
    select * from {{ ref('country_codes') }}
),

by_country_device as (
    select
        country_code,
        device,
        count(*) as sessions,
        count(distinct user_id) as users,
        cast(sum(event_count) as bigint) as events,
        count(case when converted_{{ var('primary_conversion') }} then 1 end)
            as converted_sessions
    from sessions
    group by country_code, device
),

final as (
    select
        by_country_device.country_code,
        coalesce(countries.country_name, 'Unlisted code') as country_name,
        by_country_device.device,
        by_country_device.sessions,
        by_country_device.users,
        by_country_device.events,
        by_country_device.converted_sessions,
        by_country_device.converted_sessions * 1e0 / by_country_device.sessions
            as conversion_rate
    from by_country_device
    left join countries on by_country_device.country_code = countries.country_code
)

select * from final
