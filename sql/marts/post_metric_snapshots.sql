-- one row per post per time its public counts were observed
with observations as (
    select * from stg_posts
),

final as (
    select distinct on (platform, post_id, observed_at)
        platform,
        post_id,
        observed_at,
        like_count,
        reply_count,
        repost_count,
        quote_count,
        bookmark_count,
        impression_count,
        source,
        is_simulated
    from observations
    order by platform, post_id, observed_at, source
)

select * from final
