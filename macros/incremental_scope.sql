{#- For an incremental build (DuckDB): the rows of `sql`, run before the build (a list of
    lists); on a full build, or while dbt parses, an empty list. The model writes what it needs
    from them as constants (macro date_list): a filter on a constant day lets DuckDB skip the
    data files and row groups of every other day (a filter from a subquery would not), so a
    daily file reads a few days, not the whole lakehouse. -#}
{% macro incremental_rows(sql) -%}
    {%- if execute and is_incremental() -%}
        {{- return(run_query(sql).rows | map('list') | list) -}}
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

{#- CTE `name` of the CTEs `ctes`, as something to select from. On an incremental `dbt run` or
    `dbt build` (DuckDB) it is written once to a scratch table beside the model
    (`<model>__<name>`, dropped by the model's post-hook, macro drop_incremental_scope), so the
    model, its scope query and its post-hook read it instead of computing it again; otherwise
    (a full build, parse, compile) the CTEs themselves, inline. -#}
{% macro incremental_scope_table(ctes, name) -%}
    {%- if execute and is_incremental() and flags.WHICH in ('run', 'build') -%}
        {%- set table = this.incorporate(path={'identifier': this.identifier ~ '__' ~ name}) -%}
        {%- do run_query('create or replace table ' ~ table ~ ' as with ' ~ ctes
            ~ '\nselect * from ' ~ name) -%}
        {{- return('(select * from ' ~ table ~ ')') -}}
    {%- endif -%}
    {{- return('(with ' ~ ctes ~ '\nselect * from ' ~ name ~ ')') -}}
{%- endmacro %}

{% macro drop_incremental_scope(name) -%}
    drop table if exists {{ this.incorporate(path={'identifier': this.identifier ~ '__' ~ name}) }}
{%- endmacro %}
