{#- dbt-spark's location clause with the path as a Spark string literal: its own macro writes
    location '{{ location_root }}/…' unquoted, so a quote in the warehouse path ended the literal
    early. Spark reads backslash escapes in literals: a backslash and a quote are escaped. -#}
{% macro spark__location_clause() %}
  {%- set location_root = config.get('location_root', validator=validation.any[basestring]) -%}
  {%- if location_root is not none %}
    {%- set path = location_root ~ '/' ~ model['alias'] %}
    location '{{ path | replace("\\", "\\\\") | replace("'", "\\'") }}'
  {%- endif %}
{%- endmacro -%}
