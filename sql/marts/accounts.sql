-- one row per account (platform, account_id), with its newest profile and counts
with snapshots as (
    select * from stg_account_observations
),

posts_per_account as (
    select platform, account_id, count(*) as count_posts, min(created_at) as first_post_at, max(created_at) as last_post_at
    from posts
    group by platform, account_id
),

latest as (
    select
        platform,
        account_id,
        arg_max(handle, observed_at)             as handle,
        arg_max(display_name, observed_at)       as display_name,
        arg_max(account_created_at, observed_at) as account_created_at,
        arg_max(followers_count, observed_at)    as followers_count,
        arg_max(following_count, observed_at)    as following_count,
        arg_max(post_count, observed_at)         as post_count_reported,
        max(observed_at)                         as last_observed_at,
        bool_or(is_simulated)                    as is_simulated
    from snapshots
    group by platform, account_id
),

final as (
    select
        latest.*,
        coalesce(p.count_posts, 0) as count_posts_collected,
        p.first_post_at,
        p.last_post_at
    from latest
    left join posts_per_account as p using (platform, account_id)
)

select * from final
