-- One row per session, rebuilt whole from all its events (never patched with partial counts).
--
-- Incremental (DuckDB; delete+insert on session_id): the sessions with any event or session row
-- written since the last build, sessions gone from the lakehouse (merged into another by a late
-- event), and every later session of those users (their session numbers may shift) are
-- recomputed; the post-hook deletes the sessions that are gone.
{{ config(
    unique_key='session_id',
    incremental_strategy='delete+insert',
    post_hook="{{ delete_rows_gone_from_lakehouse('session_id', 'stg_sessions') }}"
) }}

with

sessions as (
    select * from {{ ref('stg_sessions') }}
),

events as (
    select * from {{ ref('stg_events') }}
),

users as (
    select * from {{ ref('stg_users') }}
),

{% if is_incremental() %}
{{ changed_sessions_since_last_build() }},

gone_sessions as (
    select user_id, session_start
    from {{ this }}
    where session_id not in (select session_id from sessions)
),

rebuild_from as (
    select user_id, min(session_start) as session_start
    from (
        select sessions.user_id, sessions.session_start
        from sessions
        inner join changed_sessions on sessions.session_id = changed_sessions.session_id
        union all
        select user_id, session_start from gone_sessions
    ) as touched
    group by user_id
),
{% endif %}

numbered as (
    -- numbered over all of a user's sessions, before the incremental filter
    select
        *,
        row_number() over (
            partition by user_id order by session_start, session_id
        ) as session_number
    from sessions
),

batch as (
    select numbered.*
    from numbered
    {% if is_incremental() %}
    inner join rebuild_from
        on numbered.user_id = rebuild_from.user_id
        and numbered.session_start >= rebuild_from.session_start
    {% endif %}
),

batch_events as (
    select events.*
    from events
    {% if is_incremental() %}
    where events.session_id in (select session_id from batch)
    {% endif %}
),

event_counts as (
    select
        session_id,
        {% for event_type in var('event_types') %}
        count(case when event_type = '{{ event_type }}' then 1 end) as {{ event_type }}_count,
        {% endfor %}
        count(case when {{ is_view() }} then 1 end) as view_count,
        max(loaded_at) as events_loaded_at
    from batch_events
    group by session_id
),

final as (
    select
        batch.session_id,
        batch.user_id,
        batch.session_number,
        batch.session_number = 1 as is_first_session,
        batch.session_start,
        batch.session_end,
        batch.session_date,
        batch.duration_seconds,
        batch.event_count,
        {% for event_type in var('event_types') %}
        event_counts.{{ event_type }}_count,
        {% endfor %}
        batch.event_count = 1 as is_bounce,
        (
            event_counts.view_count >= {{ var('engaged_min_views') }}
            or batch.duration_seconds >= {{ var('engaged_min_seconds') }}
            or batch.has_purchase
        ) as is_engaged,
        {% for conversion in var('conversion_events') %}
        {% if conversion == 'purchase' %}
        -- the pipeline's own flag (python_engines/sql/08_sessions.sql), not a second rule
        batch.has_purchase as converted_purchase,
        {% else %}
        event_counts.{{ conversion }}_count > 0 as converted_{{ conversion }},
        {% endif %}
        {% endfor %}
        batch.entry_page,
        batch.exit_page,
        batch.country_code,
        batch.device,
        users.user_tier,
        greatest(batch.loaded_at, event_counts.events_loaded_at) as loaded_at,
        '{{ var("engine") }}' as lakehouse_engine
    from batch
    inner join event_counts on batch.session_id = event_counts.session_id
    left join users on batch.user_id = users.user_id
)

select * from final
