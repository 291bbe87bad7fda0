{#- One row per element of a JSON array of {"path": ...} objects: the run log's input_files. -#}
{% macro unnest_json_paths(json_column) -%}
    {{ return(adapter.dispatch('unnest_json_paths')(json_column)) }}
{%- endmacro %}

{% macro default__unnest_json_paths(json_column) -%}
    unnest(json_extract_string({{ json_column }}, '$[*].path'))
{%- endmacro %}

{% macro spark__unnest_json_paths(json_column) -%}
    explode(transform(from_json({{ json_column }}, 'array<struct<path:string>>'), f -> f.path))
{%- endmacro %}
