-- Sessions that reached each funnel step in order, by the day the session started and device.
-- A session reaches step k when an event of step k comes after the event with which it reached
-- step k-1 (events ordered by time, then event id): a purchase before any product view does not
-- count as reaching "purchase". Steps come from the funnel_steps seed (up to var
-- funnel_max_steps).
{% set max_steps = var('funnel_max_steps') %}

with

events as (
    select * from {{ ref('stg_events') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

steps as (
    select * from {{ ref('funnel_steps') }}
),

positioned as (
    select
        events.session_id,
        steps.step_number,
        row_number() over ({{ in_session_order('events') }}) as position
    from events
    left join steps on events.event_type = steps.event_type
),

step_events as (
    select session_id, step_number, position from positioned where step_number is not null
),

reached_1 as (
    select session_id, min(position) as position
    from step_events
    where step_number = 1
    group by session_id
),
{% for k in range(2, max_steps + 1) %}
reached_{{ k }} as (
    select step_events.session_id, min(step_events.position) as position
    from step_events
    inner join reached_{{ k - 1 }} as previous
        on step_events.session_id = previous.session_id
        and step_events.position > previous.position
    where step_events.step_number = {{ k }}
    group by step_events.session_id
),
{% endfor %}

reached as (
    {% for k in range(1, max_steps + 1) %}
    select session_id, {{ k }} as step_number from reached_{{ k }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

counted as (
    select
        sessions.session_date,
        sessions.device,
        reached.step_number,
        count(*) as sessions_reached
    from reached
    inner join sessions on reached.session_id = sessions.session_id
    group by sessions.session_date, sessions.device, reached.step_number
),

grid as (
    -- every step for every day and device, so a step nobody reached shows 0
    select day_device.session_date, day_device.device, steps.step_number, steps.step_name
    from (select distinct session_date, device from sessions) as day_device
    cross join steps
),

final as (
    select
        grid.session_date,
        grid.device,
        grid.step_number,
        grid.step_name,
        coalesce(counted.sessions_reached, 0) as sessions_reached,
        coalesce(counted.sessions_reached, 0) * 1e0 / nullif(
            first_value(coalesce(counted.sessions_reached, 0)) over (
                partition by grid.session_date, grid.device order by grid.step_number
            ),
            0
        ) as rate_from_first_step
    from grid
    left join counted
        on grid.session_date = counted.session_date
        and grid.device = counted.device
        and grid.step_number = counted.step_number
)

select * from final
