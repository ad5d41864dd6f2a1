-- one row per post version per landed page (API, twarc2 pages and stream lines) or flattened line (`twarc2
-- flatten`): a post re-fetched later appears again with its newer counts
--
-- Each payload is parsed ONCE into the struct below (from_json) instead of once per field with ->>:
-- at 1M posts that took staging from 15 s to a few seconds (docs/performance.md). Fields stay VARCHAR
-- and are cast below exactly as before, so a malformed value still fails the same way.
--
-- Three line shapes carry posts: a page, {"data": [post, ...], "includes", "meta"}; a stream line
-- (`twarc2 stream`/`filter`/`sample`, and single-post lookups), {"data": post, "includes", "matching_rules"};
-- and a flattened post. The last two are wrapped into the page shape so one schema reads all three.
with docs as (
    select record_id, source, retrieved_at, is_simulated,
           -- json_type parses each page once here, from_json once below
           case json_type(payload, '$.data')
               when 'ARRAY' then payload::varchar
               when 'OBJECT' then json_object('data', json_array(payload -> '$.data'),
                                              'includes', payload -> '$.includes')::varchar
           end as doc
    from raw_x_pages
    union all
    select record_id, source, retrieved_at, is_simulated, '{"data":[' || payload::varchar || ']}'
    from raw_x_flat_tweets
),

pages as (
    select record_id, source, retrieved_at, is_simulated,
           from_json(doc, '{"data": [{"id": "VARCHAR", "author_id": "VARCHAR", "created_at": "VARCHAR",
               "text": "VARCHAR", "note_tweet": {"text": "VARCHAR"}, "lang": "VARCHAR",
               "conversation_id": "VARCHAR", "in_reply_to_user_id": "VARCHAR", "source": "VARCHAR",
               "community_id": "VARCHAR", "edit_history_tweet_ids": ["VARCHAR"],
               "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR",
                   "public_metrics": {"like_count": "VARCHAR", "reply_count": "VARCHAR",
                                      "retweet_count": "VARCHAR", "quote_count": "VARCHAR"}}],
               "public_metrics": {"like_count": "VARCHAR", "reply_count": "VARCHAR", "retweet_count": "VARCHAR",
                                  "quote_count": "VARCHAR", "bookmark_count": "VARCHAR",
                                  "impression_count": "VARCHAR"}}],
               "includes": {"tweets": [{"id": "VARCHAR", "public_metrics": {"like_count": "VARCHAR",
                   "reply_count": "VARCHAR", "retweet_count": "VARCHAR", "quote_count": "VARCHAR"}}]}}') as page
    from docs
    where doc is not null
),

-- A repost's public_metrics are the original's retweet_count and zeros: the original's own counts come from
-- the page's includes.tweets (or, in a flattened line, the inlined referenced post), looked up per page
exploded as (
    select pages.* exclude (page), unnest(list_transform(page.data, lambda p: struct_pack(
               post := p,
               original := case when list_contains(list_transform(p.referenced_tweets, lambda r: r.type), 'retweeted')
                   then list_filter(page.includes.tweets, lambda t: t.id = list_filter(
                       p.referenced_tweets, lambda r: r.type = 'retweeted')[1].id)[1].public_metrics end))) as u
    from pages
),

posts as (
    select record_id, source, retrieved_at, is_simulated, u.post as post,
           coalesce(list_filter(u.post.referenced_tweets, lambda r: r.type = 'retweeted')[1].public_metrics,
                    u.original) as m,
           coalesce(list_contains(list_transform(u.post.referenced_tweets, lambda r: r.type), 'retweeted'), false)
               as is_repost,
           -- edit_history_tweet_ids lists the whole chain, oldest first, on every version of an edited post
           coalesce(u.post.edit_history_tweet_ids[1], u.post.id) as chain_id
    from exploded
    -- a users or counts lookup saved as JSONL has `data` items that are not posts (no text)
    where u.post.id is not null and u.post.text is not null
),

typed as (
    select
        posts.chain_id                                              as post_id,
        'x'                                                         as platform,
        post.author_id                                              as account_id,
        -- a later version's post keeps the first version's time: the chain's first id is a snowflake,
        -- whose top bits are milliseconds since 2010-11-04 01:42:54.657 UTC (X's id format), cut to seconds
        -- as X writes created_at (equal to created_at for 3,059 of 3,060 posts of the real twarc2 and archive
        -- files; the other is from before snowflakes, id < 2^42)
        case when posts.chain_id = post.id then post.created_at::timestamptz
             else to_timestamp(((posts.chain_id::bigint >> 22) + 1288834974657) // 1000) end
                                                                    as created_at,
        -- the version's own time from its id, so the API and the archive order one post's versions alike
        -- (snowflakes have 13 digits or more: 2^42 = 4398046511104; the ids before them stayed under 3e10)
        case when length(post.id) >= 13
             then to_timestamp(((post.id::bigint >> 22) + 1288834974657) // 1000)
             else post.created_at::timestamptz end                  as version_created_at,
        is_repost,
        list_transform(post.referenced_tweets, lambda r: r.type)    as ref_types,
        list_transform(post.referenced_tweets, lambda r: r.id)      as ref_ids,
        -- posts over 280 characters carry their full text in note_tweet (X API v2 docs, "long posts")
        coalesce(post.note_tweet.text, post.text)                   as text,
        post.lang                                                   as lang,
        post.conversation_id                                        as conversation_id,
        post.in_reply_to_user_id                                    as in_reply_to_user_id,
        post.source                                                 as client_name,
        post.community_id                                           as community_id,
        post.public_metrics.like_count::bigint                      as like_count,
        post.public_metrics.reply_count::bigint                     as reply_count,
        post.public_metrics.retweet_count::bigint                   as repost_count,
        post.public_metrics.quote_count::bigint                     as quote_count,
        post.public_metrics.bookmark_count::bigint                  as bookmark_count,
        post.public_metrics.impression_count::bigint                as impression_count,
        m.like_count::bigint                                        as original_like_count,
        m.reply_count::bigint                                       as original_reply_count,
        -- without the original at hand, the repost's own retweet_count is still the original's
        coalesce(m.retweet_count, post.public_metrics.retweet_count)::bigint as original_repost_count,
        m.quote_count::bigint                                       as original_quote_count,
        retrieved_at                                                as observed_at,
        source,
        record_id,
        is_simulated
    from posts
),

final as (
    select
        post_id,
        platform,
        account_id,
        created_at,
        case
            when is_repost then 'repost'
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
        -- a repost's counts belong to the original post: NULL here, the original's kept in original_*
        case when not is_repost then like_count end                 as like_count,
        case when not is_repost then reply_count end                as reply_count,
        case when not is_repost then repost_count end               as repost_count,
        case when not is_repost then quote_count end                as quote_count,
        case when not is_repost then bookmark_count end             as bookmark_count,
        case when not is_repost then impression_count end           as impression_count,
        case when is_repost then original_like_count end            as original_like_count,
        case when is_repost then original_reply_count end           as original_reply_count,
        case when is_repost then original_repost_count end          as original_repost_count,
        case when is_repost then original_quote_count end           as original_quote_count,
        version_created_at,
        null::timestamptz                                           as deleted_at,
        community_id,
        observed_at,
        source,
        record_id,
        is_simulated
    from typed
)

select * from final
