with

source as (
    select * from {{ source('lakehouse', 'runs') }}
),

renamed as (
    select
        run_id,
        sequence as run_sequence,
        engine,
        started_at,
        finished_at,
        input_files as input_files_json,
        rows_in,
        rows_clean,
        rows_rejected,
        rows_recomputed,
        sessions_added,
        sessions_replaced,
        session_gap_minutes
    from source
)

select * from renamed
