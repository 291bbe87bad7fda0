-- One row per day and page: events, views, distinct users, entrances, exits and the time spent
-- on the page (the gap to the session's next event; a session's last event has none).
--
-- Incremental (DuckDB; delete+insert on event_date): every day holding an event of a session
-- written since the last build, and every day a replaced copy of an event left, is recomputed
-- whole; the post-hook deletes days left with no events.
-- depends_on: {{ ref('stg_sessions') }}
-- depends_on: {{ ref('stg_rejected_events') }}
-- depends_on: {{ ref('stg_cleansed_events') }}
{{ config(
    unique_key='event_date',
    incremental_strategy='delete+insert',
    post_hook=[
        "{% if is_incremental() %}delete from {{ this }} where event_date not in"
        " (select event_date from {{ ref('stg_events') }})"
        " or lakehouse_engine <> '{{ var('engine') }}'{% endif %}"
    ]
) }}

with

events as (
    select * from {{ ref('stg_events') }}
),

{% if is_incremental() %}
sessions as (
    select * from {{ ref('stg_sessions') }}
),

rejected_events as (
    select * from {{ ref('stg_rejected_events') }}
),

cleansed_events as (
    select * from {{ ref('stg_cleansed_events') }}
),

{{ changed_sessions_since_last_build() }},

touched_days as (
    select event_date
    from events
    where session_id in (select session_id from changed_sessions)
    union
    -- a later copy of an event id that won the duplicate rule may have moved it to another day
    select event_date
    from cleansed_events
    where event_id in (
        select event_id
        from rejected_events
        where reason = 'duplicate_event_id'
            and loaded_at > (select loaded_at from last_build)
    )
),

scoped_sessions as (
    select distinct session_id
    from events
    where event_date in (select event_date from touched_days)
),
{% endif %}

session_events as (
    -- whole sessions (a session's next event may fall on the next day), windowed after the
    -- incremental filter because the filter keeps every event of a session
    select
        event_date,
        page_url,
        user_id,
        event_type,
        loaded_at,
        row_number() over (
            partition by session_id order by event_ts, event_id
        ) = 1 as is_entrance,
        row_number() over (
            partition by session_id order by event_ts desc, event_id desc
        ) = 1 as is_exit,
        lead({{ epoch_us('event_ts') }}) over (
            partition by session_id order by event_ts, event_id
        ) - {{ epoch_us('event_ts') }} as micros_to_next_event
    from events
    {% if is_incremental() %}
    where session_id in (select session_id from scoped_sessions)
    {% endif %}
),

final as (
    select
        event_date,
        page_url,
        count(*) as events,
        count(case when event_type in ('page_view', 'product_view') then 1 end) as views,
        count(distinct user_id) as users,
        count(case when is_entrance then 1 end) as entrances,
        count(case when is_exit then 1 end) as exits,
        sum(micros_to_next_event) / 1e6 as seconds_on_page,
        avg(micros_to_next_event) / 1e6 as avg_seconds_on_page,
        max(loaded_at) as loaded_at,
        '{{ var("engine") }}' as lakehouse_engine
    from session_events
    {% if is_incremental() %}
    where event_date in (select event_date from touched_days)
    {% endif %}
    group by event_date, page_url
)

select * from final
