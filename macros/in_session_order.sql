{#- A window over one session's events in the order the pipeline sessionizes them
    (python_engines/sql/06_sessionized.sql): by time, then event id. For `over (...)`; `relation`
    qualifies the columns. -#}
{% macro in_session_order(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    partition by {{ prefix }}session_id order by {{ prefix }}event_ts, {{ prefix }}event_id
{%- endmacro %}
