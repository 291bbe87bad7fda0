{#- Two CTEs for an incremental mart (fct_sessions, fct_pages): `last_build`, the latest
    `loaded_at` the mart holds for this engine namespace, and `changed_sessions`, every session
    whose event or session row the lakehouse wrote after it (one `loaded_at` per run, the same
    in every table: analytics/lakehouse_files.py). -#}
{% macro changed_sessions_since_last_build() %}
last_build as (
    -- rows built from another engine's namespace count as never built (all rebuilt, then the
    -- post-hook removes what is left of them)
    select coalesce(
        max(case when lakehouse_engine = '{{ var("engine") }}' then loaded_at end),
        cast('1970-01-01' as timestamp)
    ) as loaded_at
    from {{ this }}
),

changed_sessions as (
    select session_id
    from {{ ref('stg_events') }}
    where loaded_at > (select loaded_at from last_build)
    union
    select session_id
    from {{ ref('stg_sessions') }}
    where loaded_at > (select loaded_at from last_build)
)
{% endmacro %}
