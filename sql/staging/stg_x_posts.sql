-- one row per post per landed page (API, twarc2 pages) or flattened line (`twarc2 flatten`):
-- a post re-fetched later appears again with its newer counts
with pages as (
    select record_id, source, retrieved_at, is_simulated, payload
    from raw_x_pages
),

page_posts as (
    select pages.* exclude (payload), unnest(json_extract(payload, '$.data[*]')) as post
    from pages
    where json_type(payload, '$.data') = 'ARRAY'
),

-- a flattened line is one API v2 post object with extras inlined (author, __twarc): the same fields apply
flat_posts as (
    select record_id, source, retrieved_at, is_simulated, payload as post
    from raw_x_flat_tweets
),

exploded as (
    select * from page_posts
    union all by name
    select * from flat_posts
),

typed as (
    select
        post ->> 'id'                                               as post_id,
        'x'                                                         as platform,
        post ->> 'author_id'                                        as account_id,
        (post ->> 'created_at')::timestamptz                        as created_at,
        json_extract_string(post, '$.referenced_tweets[*].type')    as ref_types,
        json_extract_string(post, '$.referenced_tweets[*].id')      as ref_ids,
        -- posts over 280 characters carry their full text in note_tweet (X API v2 docs, "long posts")
        coalesce(post -> 'note_tweet' ->> 'text', post ->> 'text')  as text,
        post ->> 'lang'                                             as lang,
        post ->> 'conversation_id'                                  as conversation_id,
        post ->> 'in_reply_to_user_id'                              as in_reply_to_user_id,
        post ->> 'source'                                           as client_name,
        (post -> 'public_metrics' ->> 'like_count')::bigint         as like_count,
        (post -> 'public_metrics' ->> 'reply_count')::bigint        as reply_count,
        (post -> 'public_metrics' ->> 'retweet_count')::bigint      as repost_count,
        (post -> 'public_metrics' ->> 'quote_count')::bigint        as quote_count,
        (post -> 'public_metrics' ->> 'bookmark_count')::bigint     as bookmark_count,
        (post -> 'public_metrics' ->> 'impression_count')::bigint   as impression_count,
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
