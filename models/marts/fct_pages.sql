-- One row per day and page: events, views, distinct users, entrances, exits and the time spent
-- on the page (the gap to the session's next event; a session's last event has none).
--
-- Incremental (DuckDB; delete+insert on event_date): every day holding an event of a session
-- written since the last build, and every day a replaced copy of an event left, is recomputed
-- whole; the post-hook deletes days left with no events.
-- depends_on: {{ ref('stg_rejected_events') }}
-- depends_on: {{ ref('stg_cleansed_events') }}
{{ config(
    unique_key='event_date',
    incremental_strategy='delete+insert',
    post_hook="{{ delete_rows_gone_from_lakehouse('event_date', 'stg_events') }}"
) }}

with

events as (
    select * from {{ ref('stg_events') }}
),

sessions as (
    select * from {{ ref('stg_sessions') }}
),

{% if is_incremental() %}
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
        lead({{ epoch_us('event_ts') }}) over ({{ in_session_order() }})
            - {{ epoch_us('event_ts') }} as micros_to_next_event
    from events
    {% if is_incremental() %}
    where session_id in (select session_id from scoped_sessions)
    {% endif %}
),

-- entry and exit pages are the pipeline's (python_engines/sql/06_sessionized.sql): counted from
-- the sessions, not decided again here; a session enters on its first day and exits on its last
session_ends as (
    select event_date, page_url, sum(entrances) as entrances, sum(exits) as exits
    from (
        select session_date as event_date, entry_page as page_url, 1 as entrances, 0 as exits
        from sessions
        union all
        select cast(session_end as date), exit_page, 0, 1
        from sessions
    ) as ends
    {% if is_incremental() %}
    where event_date in (select event_date from touched_days)
    {% endif %}
    group by event_date, page_url
),

by_page as (
    select
        event_date,
        page_url,
        count(*) as events,
        count(case when {{ is_view() }} then 1 end) as views,
        count(distinct user_id) as users,
        sum(micros_to_next_event) / 1e6 as seconds_on_page,
        avg(micros_to_next_event) / 1e6 as avg_seconds_on_page,
        max(loaded_at) as loaded_at
    from session_events
    {% if is_incremental() %}
    where event_date in (select event_date from touched_days)
    {% endif %}
    group by event_date, page_url
),

final as (
    select
        by_page.event_date,
        by_page.page_url,
        by_page.events,
        by_page.views,
        by_page.users,
        coalesce(session_ends.entrances, 0) as entrances,
        coalesce(session_ends.exits, 0) as exits,
        by_page.seconds_on_page,
        by_page.avg_seconds_on_page,
        by_page.loaded_at,
        '{{ var("engine") }}' as lakehouse_engine
    from by_page
    left join session_ends
        on by_page.event_date = session_ends.event_date
        and by_page.page_url is not distinct from session_ends.page_url
)

select * from final
