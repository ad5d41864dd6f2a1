-- one row per observation of an audited account's public profile and counts, from every source
with unioned as (
    select * from stg_x_users
),

final as (
    select * from unioned
)

select * from final
