-- One row per session, rebuilt whole from all its events (never patched with partial counts).
--
-- Incremental (DuckDB; delete+insert on session_id): the sessions with any event or session row
-- written since the last build, sessions gone from the lakehouse (merged into another by a late
-- event), and every later session of those users (their session numbers may shift) are
-- recomputed; the post-hook deletes the sessions that are gone. Only the touched users' sessions
-- are numbered, and only their days' events read, so a daily file costs a fraction of a full
-- build.
{{ config(
    unique_key='session_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook=[
        "{{ delete_rows_gone_from_lakehouse('session_id', gone_scope='touched') }}",
        "{{ drop_incremental_scope('touched') }}",
    ]
) }}

{% set scope %}
{{ changed_sessions_since_last_build() }},

gone_sessions as (
    select session_id, user_id, session_start
    from {{ this }}
    where session_id not in (select session_id from {{ ref('stg_sessions') }})
),

touched as (
    -- where each touched user's sessions must be rebuilt from, and the sessions that are gone
    select user_id, session_start, cast(null as varchar) as gone_session_id
    from {{ ref('stg_sessions') }}
    where session_id in (select session_id from changed_sessions)
    union all
    select user_id, session_start, session_id
    from gone_sessions
)
{% endset %}
{% set touched = incremental_scope_table(scope, 'touched') %}
{% set first_day = incremental_rows(
    'select cast(min(session_start) as date) from ' ~ touched ~ ' as touched'
) | map(attribute=0) | list %}

with

{% if is_incremental() %}
rebuild_from as (
    select user_id, min(session_start) as session_start
    from {{ touched }} as touched
    group by user_id
),
{% endif %}

users as (
    select * from {{ ref('stg_users') }}
),

numbered as (
    -- numbered over all of a user's sessions (on an incremental build, every session of a
    -- touched user: numbering is per user, so nothing else is needed), on the key columns only
    select
        session_id,
        row_number() over (
            partition by user_id order by session_start, session_id
        ) as session_number
    from {{ ref('stg_sessions') }}
    {% if is_incremental() %}
    where user_id in (select user_id from rebuild_from)
    {% endif %}
),

batch as (
    select sessions.*, numbered.session_number
    from {{ ref('stg_sessions') }} as sessions
    inner join numbered on sessions.session_id = numbered.session_id
    {% if is_incremental() %}
    -- the rebuilt sessions: a touched user's, from the first one that changed
    inner join rebuild_from
        on sessions.user_id = rebuild_from.user_id
        and sessions.session_start >= rebuild_from.session_start
    {% endif %}
),

batch_events as (
    select session_id, event_id, event_ts, event_type, page_url, loaded_at
    from {{ ref('stg_events') }}
    {% if is_incremental() %}
    where session_id in (select session_id from batch)
        -- a touched user's rebuilt sessions start on or after this day
        and event_date >= {{ date_list(first_day) }}
    {% endif %}
),

event_counts as (
    select
        session_id,
        {% for event_type in var('event_types') %}
        count(case when event_type = '{{ event_type }}' then 1 end) as {{ event_type }}_count,
        {% endfor %}
        count(case when {{ is_view() }} then 1 end) as view_count,
        {{ entrance_page() }} as entrance_page,
        {{ exit_page() }} as exit_page,
        max(loaded_at) as events_loaded_at
    from batch_events
    group by session_id
),

flagged as (
    select
        batch.*,
        event_counts.view_count,
        (
            event_counts.view_count >= {{ var('engaged_min_views') }}
            or batch.duration_seconds >= {{ var('engaged_min_seconds') }}
            or batch.has_purchase
        ) as is_engaged
    from batch
    inner join event_counts on batch.session_id = event_counts.session_id
),

final as (
    select
        flagged.session_id,
        flagged.user_id,
        flagged.session_number,
        flagged.session_number = 1 as is_first_session,
        flagged.session_start,
        flagged.session_end,
        flagged.session_date,
        flagged.duration_seconds,
        flagged.event_count,
        {% for event_type in var('event_types') %}
        event_counts.{{ event_type }}_count,
        {% endfor %}
        flagged.view_count,
        flagged.is_engaged,
        -- GA4: a bounce is a session that was not engaged (bounce rate = 1 - engagement rate)
        not flagged.is_engaged as is_bounce,
        {% for conversion in var('conversion_events') %}
        {% if conversion == 'purchase' %}
        -- the pipeline's own flag (python_engines/sql/08_sessions.sql), not a second rule
        flagged.has_purchase as converted_purchase,
        {% else %}
        event_counts.{{ conversion }}_count > 0 as converted_{{ conversion }},
        {% endif %}
        {% endfor %}
        event_counts.entrance_page,
        event_counts.exit_page,
        flagged.country_code,
        flagged.device,
        users.user_tier,
        greatest(flagged.loaded_at, event_counts.events_loaded_at) as loaded_at,
        '{{ var("engine") }}' as lakehouse_engine
    from flagged
    inner join event_counts on flagged.session_id = event_counts.session_id
    left join users on flagged.user_id = users.user_id
)

select * from final
