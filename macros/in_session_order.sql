{#- The order the pipeline sessionizes a session's events in (python_engines/sql/06_sessionized.sql):
    by time, then event id. Written once here; `relation` qualifies the columns. -#}
{% macro session_order_columns(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}event_ts, {{ prefix }}event_id
{%- endmacro %}

{#- A window over one session's events in that order. For `over (...)`. -#}
{% macro in_session_order(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    partition by {{ prefix }}session_id order by {{ session_order_columns(relation) }}
{%- endmacro %}
