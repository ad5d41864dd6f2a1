-- one row per post version per imported official X archive: counts are as of the archive's export time (observed_at)
-- The archive has no reply, quote, bookmark or impression counts (NULL, not zero), no conversation id, and marks
-- reposts only by an "RT @name:" text prefix (its `retweeted` flag is always false). Deleted posts
-- (deleted-tweets.js) carry deleted_at, community posts community_id; an edited post's versions share the chain's
-- first id (edit_info).
with landed as (
    select record_id, source, retrieved_at, is_simulated, record_key, payload
    from raw_x_archive_tweets
),

tweets as (
    -- the oldest tweet.js exports hold bare post objects, without the {"tweet": ...} wrapper
    select landed.* exclude (payload),
           case when json_type(payload, '$.tweet') = 'OBJECT' then payload -> 'tweet' else payload end as t
    from landed
    where json_type(payload, '$.tweet') = 'OBJECT' or (payload ->> 'id_str') is not null
),

typed as (
    select
        coalesce(t ->> 'id_str', t ->> 'id')                                as version_id,
        -- an edit names its chain's first post (edit.initialTweetId); the first post lists the chain
        coalesce(t -> 'edit_info' -> 'edit' ->> 'initialTweetId',
                 t -> 'edit_info' -> 'initial' ->> '$.editTweetIds[0]',
                 t ->> 'id_str', t ->> 'id')                                as post_id,
        record_key                                                          as account_id,
        -- the version's own time from its snowflake id (as stg_x_posts), else as written
        case when length(coalesce(t ->> 'id_str', t ->> 'id')) >= 13
             then safe_snowflake_time(coalesce(t ->> 'id_str', t ->> 'id'))
             else safe_time(try_strptime(t ->> 'created_at', '%a %b %d %H:%M:%S %z %Y')) end as version_created_at,
        safe_time(try_strptime(t ->> 'created_at', '%a %b %d %H:%M:%S %z %Y')) as written_at,
        safe_time(try_strptime(t ->> 'deleted_at', '%a %b %d %H:%M:%S %z %Y')) as deleted_at,
        coalesce(t ->> 'community_id_str', t ->> 'community_id')            as community_id,
        t ->> 'full_text'                                                   as full_text,
        t ->> 'lang'                                                        as lang,
        t ->> 'in_reply_to_status_id_str'                                   as in_reply_to_post_id,
        coalesce(t ->> 'in_reply_to_user_id_str', t ->> 'in_reply_to_user_id') as in_reply_to_user_id,
        -- source is an HTML anchor: <a href="..." rel="nofollow">Twitter for iPhone</a>
        nullif(regexp_extract(t ->> 'source', '>([^<]*)<', 1), '')          as client_name,
        -- a quote is a post whose links include another post's permalink (the archive has no quoted id field,
        -- though some exports carry quoted_status_id_str)
        coalesce(t ->> 'quoted_status_id_str', regexp_extract(
            list_filter(json_extract_string(t, '$.entities.urls[*].expanded_url'),
                        lambda u: regexp_matches(u, '^https?://(www\.|mobile\.)?(twitter|x)\.com/[^/]+/status/[0-9]+'))[1],
            '/status/([0-9]+)', 1))                                         as quoted_post_id,
        -- counts are strings in the archive
        safe_count(t ->> 'favorite_count')                                  as like_count,
        safe_count(t ->> 'retweet_count')                                   as repost_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a post without a readable time cannot be placed and is
        -- left out (a later version by its chain's first id); an unreadable count or deletion time is NULL
        rejects('post ' || version_id, [
            -- a later version of an edited post is placed by its chain's first id, not by its own created_at
            reject('created_at', t ->> 'created_at', coalesce(case when post_id = version_id
                   then missing_problem(t ->> 'created_at') end, archive_time_problem(t ->> 'created_at')),
                   post_id = version_id),
            reject('edit_info.edit.initialTweetId', post_id, case when post_id <> version_id
                   and safe_snowflake_time(post_id) is null then 'not a post id with a time in 1970-2099' end, true),
            reject('deleted_at', t ->> 'deleted_at', archive_time_problem(t ->> 'deleted_at'), false),
            count_reject('favorite_count', t ->> 'favorite_count'),
            count_reject('retweet_count', t ->> 'retweet_count')])          as rejects
    from tweets
),

-- long posts (over 280 characters) keep their full text in note-tweet.js: stg_x_archive_notes links each
-- note to the post version it continues
with_notes as (
    select typed.*, n.note_text
    from typed
    left join (select distinct post_id, account_id, note_text from stg_x_archive_notes where post_id is not null) as n
        on n.post_id = typed.version_id and n.account_id is not distinct from typed.account_id
    qualify row_number() over (partition by typed.record_id order by n.note_text nulls last) = 1
),

final as (
    select
        post_id,
        'x'                                                     as platform,
        account_id,
        -- a later version keeps the first version's time: the chain's first id is a snowflake (safe_snowflake_time),
        -- cut to seconds as the archive writes
        case when post_id = version_id then written_at else safe_snowflake_time(post_id) end as created_at,
        case
            when starts_with(full_text, 'RT @') then 'repost'
            when in_reply_to_post_id is not null then 'reply'
            when quoted_post_id is not null then 'quote'
            else 'original'
        end                                                     as kind,
        case
            when starts_with(full_text, 'RT @') then null       -- the archive does not say which post was reposted
            when in_reply_to_post_id is not null then in_reply_to_post_id
            else quoted_post_id
        end                                                     as referenced_post_id,
        coalesce(note_text, full_text)                          as text,
        lang,
        null::varchar                                           as conversation_id,
        in_reply_to_user_id,
        client_name,
        -- a repost's counts are not its own; the archive writes zeros there (all 239 reposts of a real 2026
        -- archive), not the original's counts, so original_* stay unknown too
        case when not starts_with(full_text, 'RT @') then like_count end   as like_count,
        null::bigint                                            as reply_count,
        case when not starts_with(full_text, 'RT @') then repost_count end as repost_count,
        null::bigint                                            as quote_count,
        null::bigint                                            as bookmark_count,
        null::bigint                                            as impression_count,
        null::bigint                                            as original_like_count,
        null::bigint                                            as original_reply_count,
        null::bigint                                            as original_repost_count,
        null::bigint                                            as original_quote_count,
        version_created_at,
        deleted_at,
        community_id,
        observed_at,
        source,
        record_id,
        is_simulated,
        rejects
    from with_notes
)

select * from final
