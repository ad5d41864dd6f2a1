-- one row per observation of an account that authored posts on a landed page or stream line (the author
-- expansion) or a flattened twarc2 line (its inlined author)
--
-- Each payload is parsed once into a struct (from_json), as in stg_x_posts; values stay VARCHAR and are
-- read below with the safe casts of postaudit/rejects.py.
with pages as (
    select record_id, source, retrieved_at, is_simulated, payload,
           from_json(payload, '{"data": [{"author_id": "VARCHAR"}],
               "includes": {"users": [{"id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR",
                   "created_at": "VARCHAR",
                   "public_metrics": {"followers_count": "VARCHAR", "following_count": "VARCHAR",
                                      "tweet_count": "VARCHAR", "listed_count": "VARCHAR"}}]}}') as page
    from raw_x_pages
    where json_type(payload, '$.includes.users') = 'ARRAY'
),

page_users as (
    select pages.* exclude (page, payload),
           unnest(page.includes.users) as u,
           -- a stream line's `data` is one post, not a list (it reads as NULL above)
           case when page.data is null then [payload ->> '$.data.author_id']
                else list_transform(page.data, lambda p: p.author_id) end as author_ids
    from pages
),

-- `twarc2 flatten` inlines the author of each post as `author`
flat_users as (
    select record_id, source, retrieved_at, is_simulated,
           from_json(payload -> 'author', '{"id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR",
               "created_at": "VARCHAR",
               "public_metrics": {"followers_count": "VARCHAR", "following_count": "VARCHAR",
                                  "tweet_count": "VARCHAR", "listed_count": "VARCHAR"}}') as u,
           [payload ->> 'author_id'] as author_ids
    from raw_x_flat_tweets
    where json_type(payload, '$.author') = 'OBJECT'
),

users as (
    select * from page_users
    union all by name
    select * from flat_users
),

final as (
    select
        u.id                                                    as account_id,
        'x'                                                     as platform,
        u.username                                              as handle,
        u.name                                                  as display_name,
        safe_time(u.created_at)                                 as account_created_at,
        safe_count(u.public_metrics.followers_count)            as followers_count,
        safe_count(u.public_metrics.following_count)            as following_count,
        safe_count(u.public_metrics.tweet_count)                as post_count,
        safe_count(u.public_metrics.listed_count)               as listed_count,
        retrieved_at                                            as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py) is NULL: the observation still holds the rest
        rejects('user ' || u.id, [
            time_reject('created_at', u.created_at, false),
            count_reject('public_metrics.followers_count', u.public_metrics.followers_count),
            count_reject('public_metrics.following_count', u.public_metrics.following_count),
            count_reject('public_metrics.tweet_count', u.public_metrics.tweet_count),
            count_reject('public_metrics.listed_count', u.public_metrics.listed_count)])
                                                                as rejects
    from users
    -- includes.users also lists people a post mentions or replies to; keep only authors
    where list_contains(author_ids, u.id)
)

select * from final
