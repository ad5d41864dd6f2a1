-- one row per post per imported official X archive: counts are as of the archive's export time (observed_at)
-- The archive has no reply, quote, bookmark or impression counts (NULL, not zero), no conversation id, and marks
-- reposts only by an "RT @name:" text prefix (its `retweeted` flag is always false).
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

notes as (
    select
        retrieved_at                                               as note_retrieved_at,
        record_key                                                 as note_account_id,
        payload -> 'noteTweet' ->> 'tweetId'                       as note_post_id,
        try_cast(payload -> 'noteTweet' ->> 'createdAt' as timestamptz) as note_created_at,
        payload -> 'noteTweet' -> 'core' ->> 'text'                as note_text
    from landed
    where json_type(payload, '$.noteTweet') = 'OBJECT'
),

typed as (
    select
        coalesce(t ->> 'id_str', t ->> 'id')                                as post_id,
        record_key                                                          as account_id,
        strptime(t ->> 'created_at', '%a %b %d %H:%M:%S %z %Y')             as created_at,
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
        try_cast(t ->> 'favorite_count' as bigint)                          as like_count,
        try_cast(t ->> 'retweet_count' as bigint)                           as repost_count,
        retrieved_at                                                        as observed_at,
        source,
        record_id,
        is_simulated
    from tweets
),

-- long posts (over 280 characters) keep their full text in note-tweet.js, linked to the post by creation time:
-- the note's createdAt matches the post's created_at to the second (a tweetId, when an export has one, wins)
with_notes as (
    select
        typed.*,
        n.note_text
    from typed
    left join notes as n
        on n.note_post_id = typed.post_id
        or (n.note_post_id is null
            and coalesce(n.note_account_id, '') = coalesce(typed.account_id, '')
            and abs(epoch(n.note_created_at) - epoch(typed.created_at)) <= 5)
    qualify row_number() over (
        partition by typed.record_id
        order by (n.note_post_id = typed.post_id) desc nulls last,
                 starts_with(n.note_text, left(typed.full_text, 20)) desc nulls last,
                 abs(epoch(n.note_created_at) - epoch(typed.created_at)) nulls last,
                 (n.note_retrieved_at = typed.observed_at) desc nulls last
    ) = 1
),

final as (
    select
        post_id,
        'x'                                                     as platform,
        account_id,
        created_at,
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
        like_count,
        null::bigint                                            as reply_count,
        repost_count,
        null::bigint                                            as quote_count,
        null::bigint                                            as bookmark_count,
        null::bigint                                            as impression_count,
        observed_at,
        source,
        record_id,
        is_simulated
    from with_notes
)

select * from final
