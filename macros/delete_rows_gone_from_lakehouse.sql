{#- The post-hook of an incremental mart (fct_sessions, fct_pages): on an incremental build,
    delete the rows whose `key` is gone from the lakehouse (a session merged into another by a
    late event, a day left with no events) and the rows built from another engine's namespace.
    Gone: not in the staging model `present_in`, or listed in column `gone_<key>` of the
    model's scratch table `gone_scope` (macro incremental_scope_table), whichever is given. Writes nothing on a full
    build. -#}
{% macro delete_rows_gone_from_lakehouse(key, present_in=none, gone_scope=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
        {% if gone_scope -%}
            {{ key }} in (
                select gone_{{ key }}
                from {{ this.incorporate(path={'identifier': this.identifier ~ '__' ~ gone_scope}) }}
            )
        {%- else -%}
            {{ key }} not in (select distinct {{ key }} from {{ ref(present_in) }})
        {%- endif %}
        or lakehouse_engine <> '{{ var('engine') }}'
    {%- endif -%}
{%- endmacro %}
