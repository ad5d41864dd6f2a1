-- one row per post or repost per observation, in the stg_posts contract: items of landed getAuthorFeed pages,
-- post views of getPosts responses (counts for posts the feed did not show), and the actor's repository
-- records (listRecords: every post, without counts)
--
-- The three are read as one shape, a feed item {post: postView, reason}: a getPosts view is the postView, and a
-- repository record {uri, cid, value} is a postView whose record is `value`, authored by the repository's DID.
with feed_items as (
    select record_id, source, retrieved_at, is_simulated, record_key as actor_did,
           unnest(json_extract(payload, '$.feed[*]')) as item
    from raw_bluesky_feed_pages
    where json_type(payload, '$.feed') = 'ARRAY'
),

view_items as (
    select record_id, source, retrieved_at, is_simulated, record_key as actor_did,
           json_object('post', unnest(json_extract(payload, '$.posts[*]'))) as item
    from raw_bluesky_post_views
    where json_type(payload, '$.posts') = 'ARRAY'
),

repo_records as (
    select record_id, source, retrieved_at, is_simulated, record_key as actor_did,
           unnest(json_extract(payload, '$.records[*]')) as r
    from raw_bluesky_records
    where json_type(payload, '$.records') = 'ARRAY'
),

record_items as (
    select record_id, source, retrieved_at, is_simulated, actor_did,
           json_object('post', json_object('uri', r ->> 'uri', 'cid', r ->> 'cid',
                                           'author', json_object('did', actor_did), 'record', r -> 'value')) as item
    from repo_records
    -- every collection lands in one table: only posts are posts
    where split_part(r ->> 'uri', '/', 4) = 'app.bsky.feed.post'
),

items as (
    select * from feed_items
    union all select * from view_items
    union all select * from record_items
),

typed as (
    select
        item -> 'post'                                                      as post,
        item -> 'post' -> 'record'                                          as rec,
        item -> 'reason'                                                    as reason,
        -- keys starting with $ read as JSON paths after ->>, so $type needs a quoted path
        coalesce(json_extract_string(item, '$.reason."$type"') = 'app.bsky.feed.defs#reasonRepost', false)
                                                                            as is_repost,
        -- an embedded record is a quote; recordWithMedia nests it one level deeper
        case json_extract_string(item, '$.post.record.embed."$type"')
            when 'app.bsky.embed.record' then item -> 'post' -> 'record' -> 'embed' -> 'record' ->> 'uri'
            when 'app.bsky.embed.recordWithMedia'
                then item -> 'post' -> 'record' -> 'embed' -> 'record' -> 'record' ->> 'uri'
        end                                                                 as quoted_uri,
        actor_did,
        retrieved_at,
        source,
        record_id,
        is_simulated
    from items
),

final as (
    select
        -- a repost is its own act with its own record (reason.uri, sent since 2025); older AppViews
        -- omit it, so name it after the reposter and the original
        case when is_repost then coalesce(reason ->> 'uri', 'repost:' || actor_did || ':' || (post ->> 'uri'))
             else post ->> 'uri' end                                        as post_id,
        'bluesky'                                                           as platform,
        case when is_repost then coalesce(reason -> 'by' ->> 'did', actor_did)
             else post -> 'author' ->> 'did' end                            as account_id,
        -- a repost happened when the executive reposted (reason.indexedAt), not when the original
        -- author wrote it; createdAt is client-set, so fall back to indexedAt when it is unreadable
        case when is_repost then safe_time(reason ->> 'indexedAt')
             else coalesce(safe_time(rec ->> 'createdAt'), safe_time(post ->> 'indexedAt'))
        end                                                                 as created_at,
        case
            when is_repost then 'repost'
            when (rec -> 'reply') is not null then 'reply'
            when quoted_uri is not null then 'quote'
            else 'original'
        end                                                                 as kind,
        case
            when is_repost then post ->> 'uri'
            when (rec -> 'reply') is not null then rec -> 'reply' -> 'parent' ->> 'uri'
            else quoted_uri
        end                                                                 as referenced_post_id,
        rec ->> 'text'                                                      as text,
        json_extract_string(rec, '$.langs[0]')                              as lang,
        case when not is_repost
            then coalesce(rec -> 'reply' -> 'root' ->> 'uri', post ->> 'uri') end as conversation_id,
        -- at://<did>/app.bsky.feed.post/<rkey>: the parent's author is the third part
        case when not is_repost
            then nullif(split_part(rec -> 'reply' -> 'parent' ->> 'uri', '/', 3), '') end as in_reply_to_user_id,
        null::varchar                                                       as client_name,
        -- a repost's counts belong to the original post, not to the executive's act
        case when not is_repost then safe_count(post ->> 'likeCount') end     as like_count,
        case when not is_repost then safe_count(post ->> 'replyCount') end    as reply_count,
        case when not is_repost then safe_count(post ->> 'repostCount') end   as repost_count,
        case when not is_repost then safe_count(post ->> 'quoteCount') end    as quote_count,
        case when not is_repost then safe_count(post ->> 'bookmarkCount') end as bookmark_count,
        null::bigint                                                        as impression_count,
        case when is_repost then safe_count(post ->> 'likeCount') end        as original_like_count,
        case when is_repost then safe_count(post ->> 'replyCount') end       as original_reply_count,
        case when is_repost then safe_count(post ->> 'repostCount') end      as original_repost_count,
        -- quoteCount arrived in 2024: older AppViews leave it out (unknown, not zero)
        case when is_repost then safe_count(post ->> 'quoteCount') end       as original_quote_count,
        -- Bluesky posts are not edited: one version
        case when is_repost then safe_time(reason ->> 'indexedAt')
             else coalesce(safe_time(rec ->> 'createdAt'), safe_time(post ->> 'indexedAt'))
        end                                                                 as version_created_at,
        null::timestamptz                                                   as deleted_at,
        null::varchar                                                       as community_id,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): an item without a uri or a readable time (createdAt,
        -- else indexedAt) cannot be told apart or placed and is left out; an unreadable count is NULL
        rejects('post ' || (post ->> 'uri'), [
            required('post.uri', post ->> 'uri'),
            case when is_repost then time_reject('reason.indexedAt', reason ->> 'indexedAt', true)
                 when safe_time(rec ->> 'createdAt') is null
                     then time_reject('post.indexedAt', post ->> 'indexedAt', true) end,
            count_reject('post.likeCount', post ->> 'likeCount'),
            count_reject('post.replyCount', post ->> 'replyCount'),
            count_reject('post.repostCount', post ->> 'repostCount'),
            count_reject('post.quoteCount', post ->> 'quoteCount'),
            count_reject('post.bookmarkCount', case when not is_repost then post ->> 'bookmarkCount' end)])
                                                                            as rejects
    from typed
    -- a feed holds the actor's own posts and reposts; anything else (a pinned stranger) is not theirs
    where is_repost or (post -> 'author' ->> 'did') = actor_did
)

select * from final
