{#- The post-hook of an incremental mart (fct_sessions, fct_pages): on an incremental build,
    delete the rows whose `key` the staging model `present_in` no longer holds (a session merged
    into another by a late event, a day left with no events) and the rows built from another
    engine's namespace. Writes nothing on a full build. -#}
{% macro delete_rows_gone_from_lakehouse(key, present_in) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key }} not in (select {{ key }} from {{ ref(present_in) }})
        or lakehouse_engine <> '{{ var('engine') }}'
    {%- endif -%}
{%- endmacro %}
