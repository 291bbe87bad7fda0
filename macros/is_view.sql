{#- A view: an event whose type is one of var `view_events` (page_view, product_view). The one
    definition fct_pages (its views) and fct_sessions (the engaged rule) use. -#}
{% macro is_view(event_type='event_type') -%}
    {{ event_type }} in ({% for view_event in var('view_events') %}'{{ view_event }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
