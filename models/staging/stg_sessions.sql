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
        {{ utc_date("session_start") }} as session_date,
        duration_seconds,
        event_count,
        -- the pages of the session's first and last event of any type (the marts' entrance and
        -- exit are its first and last view: macros/entrance_and_exit.sql)
        entry_page as first_event_page,
        exit_page as last_event_page,
        country_code,
        device,
        converted as has_purchase,
        loaded_at
    from source
)

select * from renamed
