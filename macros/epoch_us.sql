{#- Microseconds since the epoch of a UTC timestamp: differences of these are exact durations. -#}
{% macro epoch_us(ts) -%}
    {{ return(adapter.dispatch('epoch_us')(ts)) }}
{%- endmacro %}

{% macro default__epoch_us(ts) -%}
    epoch_us({{ ts }})
{%- endmacro %}

{% macro spark__epoch_us(ts) -%}
    unix_micros({{ ts }})
{%- endmacro %}

{#- The UTC day of a timestamp. On DuckDB from the epoch (a cast of a zoned timestamp goes
    through the time zone library and costs about 8 times more per row). -#}
{% macro utc_date(ts) -%}
    {{ return(adapter.dispatch('utc_date')(ts)) }}
{%- endmacro %}

{% macro default__utc_date(ts) -%}
    (date '1970-01-01' + cast({{ epoch_us(ts) }} // 86400000000 as integer))
{%- endmacro %}

{% macro spark__utc_date(ts) -%}
    cast({{ ts }} as date)
{%- endmacro %}
