-- one row per post per observation, from every post source; platform-specific staging views are added here
with unioned as (
    select * from stg_x_posts
    union all by name select * from stg_x_archive_posts
    union all by name select * from stg_telegram_posts
    union all by name select * from stg_slack_posts
    union all by name select * from stg_bluesky_posts
    union all by name select * from stg_mastodon_posts
    union all by name select * from stg_table_posts
),

final as (
    select * from unioned
)

select * from final
