-- Only what data quality needs: the reason and the file (the raw columns, IP included, stay out).
with

source as (
    select * from {{ source('lakehouse', 'rejected_events') }}
),

renamed as (
    select
        event_id,
        reason,
        source_file,
        loaded_at
    from source
)

select * from renamed
