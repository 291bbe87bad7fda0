-- One row per user seen in the events: activity span, first country and device, tier, and
-- RFM-style scores (1 = lowest, 5 = highest) as of the last event day in the lakehouse.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

events as (
    select * from {{ ref('stg_events') }}
),

users as (
    select * from {{ ref('stg_users') }}
),

activity as (
    select
        user_id,
        min(session_start) as first_seen_at,
        max(session_end) as last_seen_at,
        count(*) as sessions,
        cast(sum(event_count) as bigint) as events,
        cast(sum({{ var('primary_conversion') }}_count) as bigint) as {{ var('primary_conversion') }}s,
        count(case when converted_{{ var('primary_conversion') }} then 1 end)
            as converted_sessions
    from sessions
    group by user_id
),

first_sessions as (
    select user_id, country_code as first_country_code, device as first_device
    from sessions
    where is_first_session
),

days_active as (
    select user_id, count(distinct event_date) as days_active
    from events
    group by user_id
),

as_of as (
    select max(event_date) as as_of_date from events
),

joined as (
    select
        activity.*,
        first_sessions.first_country_code,
        first_sessions.first_device,
        days_active.days_active,
        users.user_tier,
        {{ dbt.datediff("cast(activity.last_seen_at as date)", "as_of.as_of_date", "day") }}
            as recency_days
    from activity
    inner join first_sessions on activity.user_id = first_sessions.user_id
    inner join days_active on activity.user_id = days_active.user_id
    left join users on activity.user_id = users.user_id
    cross join as_of
),

final as (
    select
        *,
        ntile(5) over (order by recency_days desc, user_id) as recency_score,
        ntile(5) over (order by sessions, user_id) as frequency_score,
        ntile(5) over (order by {{ var('primary_conversion') }}s, user_id) as monetary_score
    from joined
)

select * from final
