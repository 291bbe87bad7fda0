{#- Closed funnel, grouped by session: how many steps the session completed in order. Reads the
    session's step events (column `step_number`) in session order (in_session_order) and
    advances from step k to k + 1 on the first step-(k + 1) event after the one that reached
    step k: a purchase before any product view does not reach "purchase". -#}
{% macro funnel_depth() -%}
    {{ return(adapter.dispatch('funnel_depth')()) }}
{%- endmacro %}

{% macro default__funnel_depth() -%}
    list_reduce(
        list(step_number order by {{ session_order_columns() }}),
        (reached, step) -> case when step = reached + 1 then reached + 1 else reached end,
        0
    )
{%- endmacro %}

{% macro spark__funnel_depth() -%}
    aggregate(
        transform(
            array_sort(collect_list(struct({{ session_order_columns() }}, step_number))),
            event -> event.step_number
        ),
        0,
        (reached, step) -> case when step = reached + 1 then reached + 1 else reached end
    )
{%- endmacro %}
