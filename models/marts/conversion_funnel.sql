-- Sessions that reached each funnel step, by the day the session started and its device. The
-- steps are the funnel_steps seed, as many as it lists (numbered 1, 2, ... without gaps).
--
-- var funnel_type:
--   closed (default) - a session enters at step 1 and reaches step k when its events complete
--                      steps 1 .. k in order (macro funnel_depth): a purchase before any product
--                      view does not reach "purchase".
--   open             - a session enters at any step (GA4's open funnel): it reaches step k when it
--                      has an event of step k, whatever came before. Counts need not fall from
--                      step to step.
{% set funnel_type = var('funnel_type') %}
{% if funnel_type not in ('closed', 'open') %}
    {{ exceptions.raise_compiler_error("var funnel_type must be closed or open, not " ~ funnel_type) }}
{% endif %}

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

step_events as (
    select events.session_id, events.event_ts, events.event_id, steps.step_number
    from events
    inner join steps on events.event_type = steps.event_type
),

{% if funnel_type == 'closed' %}
depths as (
    select session_id, {{ funnel_depth() }} as depth
    from step_events
    group by session_id
),

reached as (
    select depths.session_id, steps.step_number
    from depths
    inner join steps on steps.step_number <= depths.depth
),
{% else %}
reached as (
    select distinct session_id, step_number from step_events
),
{% endif %}

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

filled as (
    select
        grid.session_date,
        grid.device,
        grid.step_number,
        grid.step_name,
        coalesce(counted.sessions_reached, 0) as sessions_reached
    from grid
    left join counted
        on grid.session_date = counted.session_date
        and grid.device = counted.device
        and grid.step_number = counted.step_number
),

final as (
    select
        session_date,
        device,
        step_number,
        step_name,
        '{{ funnel_type }}' as funnel_type,
        sessions_reached,
        sessions_reached * 1e0 / nullif(
            first_value(sessions_reached) over (
                partition by session_date, device order by step_number
            ),
            0
        ) as rate_from_first_step,
        sessions_reached * 1e0 / nullif(
            lag(sessions_reached) over (partition by session_date, device order by step_number),
            0
        ) as rate_from_previous_step
    from filled
)

select * from final
