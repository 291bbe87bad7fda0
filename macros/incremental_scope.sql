{#- For an incremental build (DuckDB): run `query` over the CTEs `ctes` before the build and
    return its rows (a list of lists); on a full build, or while dbt parses, an empty list.
    The model writes what it needs from them as constants (macro date_list): a filter on a
    constant day lets DuckDB skip the data files and row groups of every other day (a filter
    from a subquery would not), so a daily file reads a few days, not the whole lakehouse. -#}
{% macro incremental_scope(ctes, query) -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query('with ' ~ ctes ~ '\n' ~ query) -%}
        {{- return(found.rows | map('list') | list) -}}
    {%- endif -%}
    {{- return([]) -}}
{%- endmacro %}

{#- Days as SQL date literals for `in (...)`; no day: a null date, which matches nothing. -#}
{% macro date_list(days) -%}
    {%- for day in days if day is not none -%}
        date '{{ day }}'{% if not loop.last %}, {% endif %}
    {%- else -%}
        cast(null as date)
    {%- endfor -%}
{%- endmacro %}

{#- For an incremental `dbt run` or `dbt build` (DuckDB): CTE `name` of the CTEs `ctes` written
    once to a scratch table beside the model (`<model>__<name>`, dropped by the model's
    post-hook, macro drop_incremental_scope), so the model reads it instead of computing it a
    second time; returns the table's relation. Otherwise (full build, parse, compile): none. -#}
{% macro incremental_scope_table(ctes, name) -%}
    {%- if execute and is_incremental() and flags.WHICH in ('run', 'build') -%}
        {%- set table = this.incorporate(path={'identifier': this.identifier ~ '__' ~ name}) -%}
        {%- do run_query('create or replace table ' ~ table ~ ' as with ' ~ ctes
            ~ '\nselect * from ' ~ name) -%}
        {{- return(table) -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}

{% macro drop_incremental_scope(name) -%}
    drop table if exists {{ this.incorporate(path={'identifier': this.identifier ~ '__' ~ name}) }}
{%- endmacro %}
