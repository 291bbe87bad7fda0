-- Where does the funnel leak most on mobile? (sessions reaching each step, in order)
select
    step_number,
    step_name,
    sum(sessions_reached) as sessions
from {{ ref('conversion_funnel') }}
where device = 'mobile'
group by step_number, step_name
order by step_number
