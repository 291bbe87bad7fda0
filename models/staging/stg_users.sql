with

source as (
    select * from {{ source('generator', 'users') }}
),

renamed as (
    select
        user_id,
        tier as user_tier,
        home_country,
        usual_device
    from source
)

select * from renamed
