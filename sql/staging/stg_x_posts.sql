-- one row per post version per landed page (API, twarc2 pages and stream lines) or flattened line (`twarc2
-- flatten`): a post re-fetched later appears again with its newer counts
--
-- Each payload is parsed ONCE into the struct below (from_json) instead of once per field with ->>:
-- at 1M posts that took staging from 15 s to a few seconds (docs/performance.md). Fields stay VARCHAR
-- and are read below with the safe casts of postaudit/rejects.py: what cannot be read goes to `rejects`.
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
    -- a users or counts lookup saved as JSONL has `data` items that are not posts (an id, no text); an item
    -- that is no object at all (no id) stays, for `rejects` to say so
    where u.post.text is not null or u.post.id is null
),

typed as (
    select
        posts.chain_id                                              as post_id,
        'x'                                                         as platform,
        post.author_id                                              as account_id,
        -- a later version's post keeps the first version's time: the chain's first id is a snowflake
        -- (safe_snowflake_time), cut to seconds as X writes created_at (equal to created_at for 3,059 of 3,060
        -- posts of the real twarc2 and archive files; the other is from before snowflakes, id < 2^42)
        case when posts.chain_id = post.id then safe_time(post.created_at)
             else safe_snowflake_time(posts.chain_id) end           as created_at,
        -- the version's own time from its id, so the API and the archive order one post's versions alike
        -- (snowflakes have 13 digits or more: 2^42 = 4398046511104; the ids before them stayed under 3e10)
        case when length(post.id) >= 13 then safe_snowflake_time(post.id)
             else safe_time(post.created_at) end                    as version_created_at,
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
        safe_count(post.public_metrics.like_count)                  as like_count,
        safe_count(post.public_metrics.reply_count)                 as reply_count,
        safe_count(post.public_metrics.retweet_count)               as repost_count,
        safe_count(post.public_metrics.quote_count)                 as quote_count,
        safe_count(post.public_metrics.bookmark_count)              as bookmark_count,
        safe_count(post.public_metrics.impression_count)            as impression_count,
        safe_count(m.like_count)                                    as original_like_count,
        safe_count(m.reply_count)                                   as original_reply_count,
        -- without the original at hand, the repost's own retweet_count is still the original's
        safe_count(coalesce(m.retweet_count, post.public_metrics.retweet_count)) as original_repost_count,
        safe_count(m.quote_count)                                   as original_quote_count,
        retrieved_at                                                as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a post without an author or time cannot be attributed
        -- or placed, and is left out; an unreadable count is NULL, not zero
        rejects('post ' || post.id, case when post.id is null
            then [reject('id', null, 'missing: a data element that is not a post object', true)] else [
            required('author_id', post.author_id),
            -- a later version of an edited post is placed by its chain's first id, not by its own created_at
            time_reject('created_at', post.created_at, posts.chain_id = post.id),
            reject('edit_history_tweet_ids', posts.chain_id, case when posts.chain_id <> post.id
                   and safe_snowflake_time(posts.chain_id) is null
                   then 'not a post id with a time in 1970-2099' end, true),
            count_reject('public_metrics.like_count', post.public_metrics.like_count),
            count_reject('public_metrics.reply_count', post.public_metrics.reply_count),
            count_reject('public_metrics.retweet_count', post.public_metrics.retweet_count),
            count_reject('public_metrics.quote_count', post.public_metrics.quote_count),
            count_reject('public_metrics.bookmark_count', post.public_metrics.bookmark_count),
            count_reject('public_metrics.impression_count', post.public_metrics.impression_count),
            count_reject('referenced_tweets.public_metrics.like_count', m.like_count),
            count_reject('referenced_tweets.public_metrics.reply_count', m.reply_count),
            count_reject('referenced_tweets.public_metrics.quote_count', m.quote_count)] end)
                                                                    as rejects
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
        is_simulated,
        rejects
    from typed
)

select * from final
