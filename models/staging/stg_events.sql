-- Rename and cast only. The raw IP address and its number stop here: no mart sees them.
with

source as (
    select * from {{ source('lakehouse', 'events') }}
),

renamed as (
    select
        event_id,
        user_id,
        session_id,
        event_ts,
        event_date,
        page_url,
        device,
        event_type,
        country_code,
        loaded_at
    from source
)

select * from renamed
