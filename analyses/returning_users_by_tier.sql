-- Do returning users convert better than first-time visitors, per tier?
select
    user_tier,
    is_first_session,
    count(*) as sessions,
    round(avg(case when converted_purchase then 1 else 0 end), 3) as conversion
from {{ ref('fct_sessions') }}
group by user_tier, is_first_session
order by user_tier, is_first_session
