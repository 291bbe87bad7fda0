-- One row per (run, input file) from the run log's JSON list of files.
with

runs as (
    select * from {{ ref('stg_runs') }}
),

files as (
    select
        run_id,
        run_sequence,
        finished_at as loaded_at,
        {{ unnest_json_paths('input_files_json') }} as source_file
    from runs
)

select * from files
