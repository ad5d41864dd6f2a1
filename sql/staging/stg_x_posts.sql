-- one row per post per landed page (API, twarc2 pages) or flattened line (`twarc2 flatten`):
-- a post re-fetched later appears again with its newer counts
--
-- Each payload is parsed ONCE into the struct below (from_json) instead of once per field with ->>:
-- at 1M posts that took staging from 15 s to a few seconds (docs/performance.md). Fields stay VARCHAR
-- and are cast below exactly as before, so a malformed value still fails the same way.
with pages as (
    select record_id, source, retrieved_at, is_simulated,
           from_json(payload, '{"data": [{"id": "VARCHAR", "author_id": "VARCHAR", "created_at": "VARCHAR",
               "text": "VARCHAR", "note_tweet": {"text": "VARCHAR"}, "lang": "VARCHAR",
               "conversation_id": "VARCHAR", "in_reply_to_user_id": "VARCHAR", "source": "VARCHAR",
               "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}],
               "public_metrics": {"like_count": "VARCHAR", "reply_count": "VARCHAR", "retweet_count": "VARCHAR",
                                  "quote_count": "VARCHAR", "bookmark_count": "VARCHAR",
                                  "impression_count": "VARCHAR"}}]}') as page
    from raw_x_pages
    where json_type(payload, '$.data') = 'ARRAY'
),

page_posts as (
    select pages.* exclude (page), unnest(page.data) as post
    from pages
),

-- a flattened line is one API v2 post object with extras inlined (author, __twarc): the same fields apply
flat_posts as (
    select record_id, source, retrieved_at, is_simulated,
           from_json(payload, '{"id": "VARCHAR", "author_id": "VARCHAR", "created_at": "VARCHAR",
               "text": "VARCHAR", "note_tweet": {"text": "VARCHAR"}, "lang": "VARCHAR",
               "conversation_id": "VARCHAR", "in_reply_to_user_id": "VARCHAR", "source": "VARCHAR",
               "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}],
               "public_metrics": {"like_count": "VARCHAR", "reply_count": "VARCHAR", "retweet_count": "VARCHAR",
                                  "quote_count": "VARCHAR", "bookmark_count": "VARCHAR",
                                  "impression_count": "VARCHAR"}}') as post
    from raw_x_flat_tweets
),

exploded as (
    select * from page_posts
    union all by name
    select * from flat_posts
),

typed as (
    select
        post.id                                                     as post_id,
        'x'                                                         as platform,
        post.author_id                                              as account_id,
        post.created_at::timestamptz                                as created_at,
        list_transform(post.referenced_tweets, lambda r: r.type)    as ref_types,
        list_transform(post.referenced_tweets, lambda r: r.id)      as ref_ids,
        -- posts over 280 characters carry their full text in note_tweet (X API v2 docs, "long posts")
        coalesce(post.note_tweet.text, post.text)                   as text,
        post.lang                                                   as lang,
        post.conversation_id                                        as conversation_id,
        post.in_reply_to_user_id                                    as in_reply_to_user_id,
        post.source                                                 as client_name,
        post.public_metrics.like_count::bigint                      as like_count,
        post.public_metrics.reply_count::bigint                     as reply_count,
        post.public_metrics.retweet_count::bigint                   as repost_count,
        post.public_metrics.quote_count::bigint                     as quote_count,
        post.public_metrics.bookmark_count::bigint                  as bookmark_count,
        post.public_metrics.impression_count::bigint                as impression_count,
        retrieved_at                                                as observed_at,
        source,
        record_id,
        is_simulated
    from exploded
),

final as (
    select
        post_id,
        platform,
        account_id,
        created_at,
        case
            when list_contains(ref_types, 'retweeted') then 'repost'
            when list_contains(ref_types, 'replied_to') then 'reply'
            when list_contains(ref_types, 'quoted') then 'quote'
            else 'original'
        end                                                         as kind,
        ref_ids[1]                                                  as referenced_post_id,
        text,
        lang,
        conversation_id,
        in_reply_to_user_id,
        client_name,
        like_count,
        reply_count,
        repost_count,
        quote_count,
        bookmark_count,
        impression_count,
        observed_at,
        source,
        record_id,
        is_simulated
    from typed
)

select * from final
