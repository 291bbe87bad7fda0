-- The funnel's steps are 1, 2, ..., n (conversion_funnel's closed funnel advances one step at a
-- time): returns a row when the numbers start elsewhere or skip one.
select count(*) as steps, min(step_number) as first_step, max(step_number) as last_step
from {{ ref('funnel_steps') }}
having count(*) > 0 and (min(step_number) <> 1 or max(step_number) <> count(*))
