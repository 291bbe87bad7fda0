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
