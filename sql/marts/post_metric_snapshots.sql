-- one row per post per time its public counts were observed
with observations as (
    select * from stg_posts
),

-- One row per (post, observation time); an edited post's latest version seen then gives the counts, and when two
-- sources observed it at the same instant, the first source by name wins. A hash aggregate instead of DISTINCT ON ... ORDER BY, which sorted every observation
-- (43 s at 10M posts against 1.4 s at 1M; the same rows either way).
picked as (
    select
        platform,
        post_id,
        observed_at,
        arg_min(struct_pack(like_count, reply_count, repost_count, quote_count, bookmark_count, impression_count,
                            source, is_simulated), struct_pack(v := -epoch_us(version_created_at), s := source)) as counts
    from observations
    group by platform, post_id, observed_at
),

final as (
    select
        platform,
        post_id,
        observed_at,
        counts.like_count,
        counts.reply_count,
        counts.repost_count,
        counts.quote_count,
        counts.bookmark_count,
        counts.impression_count,
        counts.source,
        counts.is_simulated
    from picked
)

select * from final
