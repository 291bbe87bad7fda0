with

source as (
    select * from {{ source('lakehouse', 'sessions') }}
),

renamed as (
    select
        session_id,
        user_id,
        session_start,
        session_end,
        cast(session_start as date) as session_date,
        duration_seconds,
        event_count,
        entry_page,
        exit_page,
        country_code,
        device,
        converted as has_purchase,
        loaded_at
    from source
)

select * from renamed
