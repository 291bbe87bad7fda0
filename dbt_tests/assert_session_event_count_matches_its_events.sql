-- Every session in fct_sessions has event_count = its rows in the events, and its per-type
-- counts add up to it.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

events as (
    select session_id, count(*) as events from {{ ref('stg_events') }} group by session_id
)

select sessions.session_id, sessions.event_count, events.events
from sessions
left join events on sessions.session_id = events.session_id
where events.events is null
    or sessions.event_count <> events.events
    or sessions.event_count <> (
        {% for event_type in var('event_types') %}
        sessions.{{ event_type }}_count{% if not loop.last %} +{% endif %}
        {% endfor %}
    )
