-- One row per day and page: events, views, distinct users, entrances, exits and the time spent
-- on the page (the gap to the session's next event; a session's last event has none). An
-- entrance is a session's first view and an exit its last (macros/entrance_and_exit.sql),
-- counted on the day that view happened.
--
-- Incremental (DuckDB; delete+insert on event_date): every day holding an event of a session
-- written since the last build, and every day whose event count no longer matches the lakehouse
-- (a later copy of an event that won the duplicate rule moved it off that day), is recomputed
-- whole; the post-hook deletes days left with no events.
{{ config(
    unique_key='event_date',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ delete_rows_gone_from_lakehouse('event_date', 'stg_events') }}"
) }}

{% set scope %}
{{ changed_sessions_since_last_build() }},

day_counts as (
    select event_date, count(*) as events
    from {{ ref('stg_events') }}
    group by event_date
),

built_day_counts as (
    select event_date, sum(events) as events
    from {{ this }}
    where lakehouse_engine = '{{ var("engine") }}'
    group by event_date
),

changed_spans as (
    -- a changed session's events may fall on every day it spans (the time to its next event,
    -- its entrance and exit can move between them)
    select session_date as first_day, {{ utc_date("session_end") }} as last_day
    from {{ ref('stg_sessions') }}
    where session_id in (select session_id from changed_sessions)
),

touched_days as (
    select day_counts.event_date
    from day_counts
    left join built_day_counts on day_counts.event_date = built_day_counts.event_date
    where exists (
        select 1
        from changed_spans
        where day_counts.event_date between changed_spans.first_day and changed_spans.last_day
    )
    -- a day that lost an event and gained none holds no changed session
    or built_day_counts.events is distinct from day_counts.events
)
{% endset %}

{#- one row per touched day, with the first day a session spanning one of them starts on -#}
{% set touched = incremental_rows("with " ~ scope ~ "
    select event_date, (
        -- timestamps compared, one date cast: a cast per session row costs more than the scan
        select cast(min(session_start) as date)
        from " ~ ref('stg_sessions') ~ "
        where session_end >= (select cast(min(event_date) as timestamptz) from touched_days)
            and session_start < (select cast(max(event_date) + 1 as timestamptz) from touched_days)
    )
    from touched_days order by event_date") %}
{% set touched_days = touched | map(attribute=0) | list %}
{% set first_day = touched[0][1] if touched else none %}

with

{% if is_incremental() %}
scoped_sessions as (
    select session_id
    from {{ ref('stg_events') }}
    where event_date in ({{ date_list(touched_days) }})
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
            - {{ epoch_us('event_ts') }} as micros_to_next_event,
        {{ is_entrance() }} as is_entrance,
        {{ is_exit() }} as is_exit
    from {{ ref('stg_events') }}
    {% if is_incremental() %}
    where session_id in (select session_id from scoped_sessions)
        and event_date >= {{ date_list([first_day]) }}
    {% endif %}
),

by_page as (
    select
        event_date,
        page_url,
        count(*) as events,
        count(case when {{ is_view() }} then 1 end) as views,
        count(distinct user_id) as users,
        count(case when is_entrance then 1 end) as entrances,
        count(case when is_exit then 1 end) as exits,
        sum(micros_to_next_event) / 1e6 as seconds_on_page,
        avg(micros_to_next_event) / 1e6 as avg_seconds_on_page,
        max(loaded_at) as loaded_at
    from session_events
    {% if is_incremental() %}
    where event_date in ({{ date_list(touched_days) }})
    {% endif %}
    group by event_date, page_url
),

final as (
    select
        event_date,
        page_url,
        events,
        views,
        users,
        entrances,
        exits,
        seconds_on_page,
        avg_seconds_on_page,
        loaded_at,
        '{{ var("engine") }}' as lakehouse_engine
    from by_page
)

select * from final
