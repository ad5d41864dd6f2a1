-- one row per post per observation, from every post source; platform-specific staging views are added here
with unioned as (
    select * from stg_x_posts
),

final as (
    select * from unioned
)

select * from final
