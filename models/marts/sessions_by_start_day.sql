-- One row per UTC day a session started: sessions are counted on the day they start (a session
-- crossing midnight counts once), their users and events with them. Activity on a calendar day
-- (every event that day, whatever day its session started) is activity_by_day.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

final as (
    select
        session_date,
        count(distinct user_id) as users,
        count(*) as sessions,
        cast(sum(event_count) as bigint) as events,
        avg(duration_seconds) as avg_session_seconds,
        median(duration_seconds) as median_session_seconds,
        avg(case when is_bounce then 1e0 else 0e0 end) as bounce_rate,
        avg(case when is_engaged then 1e0 else 0e0 end) as engaged_session_rate,
        avg(case when converted_{{ var('primary_conversion') }} then 1e0 else 0e0 end)
            as conversion_rate
    from sessions
    group by session_date
)

select * from final
