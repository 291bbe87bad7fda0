{#- Entrance and exit: a session's first and last view (macro is_view) in session order (macro
    in_session_order: by time, then event id). A session without a view has neither. This is
    GA4's landing page and Snowplow's first/last page view; a session that opens on a search or
    a login does not "enter" there. One rule in two forms: aggregates over one session's events
    (fct_sessions) and a flag per event (fct_pages). -#}

{#- The session order (macro session_order_columns) as one sortable value. -#}
{% macro session_order_key() -%}
    {{ return(adapter.dispatch('session_order_key')()) }}
{%- endmacro %}
{% macro default__session_order_key() -%} row({{ session_order_columns() }}) {%- endmacro %}
{% macro spark__session_order_key() -%} struct({{ session_order_columns() }}) {%- endmacro %}

{#- Aggregates, grouped by session: the entrance and exit page. -#}
{% macro entrance_page() -%}
    min_by(page_url, {{ session_order_key() }}) filter (where {{ is_view() }})
{%- endmacro %}
{% macro exit_page() -%}
    max_by(page_url, {{ session_order_key() }}) filter (where {{ is_view() }})
{%- endmacro %}

{#- Per event, beside other windows over in_session_order: the event is the session's entrance
    (its first view) or its exit (its last view). -#}
{% macro is_entrance() -%}
    {{ is_view() }} and sum(case when {{ is_view() }} then 1 else 0 end) over (
        {{ in_session_order() }} rows between unbounded preceding and current row
    ) = 1
{%- endmacro %}
{% macro is_exit() -%}
    {{ is_view() }} and sum(case when {{ is_view() }} then 1 else 0 end) over (
        {{ in_session_order() }} rows between current row and unbounded following
    ) = 1
{%- endmacro %}
