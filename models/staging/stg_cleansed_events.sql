-- Every row that passed cleansing, copies of one event id included (data quality counts them,
-- the incremental marts find the day a replaced copy left).
with

source as (
    select * from {{ source('lakehouse', 'cleansed_events') }}
),

renamed as (
    select
        event_id,
        user_id,
        event_ts,
        cast(event_ts as date) as event_date,
        source_file,
        loaded_at
    from source
)

select * from renamed
