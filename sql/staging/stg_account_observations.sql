-- one row per observation of an audited account's public profile and counts, from every source
with unioned as (
    select * from stg_x_users
    union all by name select * from stg_x_user_lookups
    union all by name select * from stg_bluesky_profiles
    union all by name select * from stg_mastodon_accounts
),

final as (
    select * from unioned
)

select * from final
