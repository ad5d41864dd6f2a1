-- one row per landed long-post note (note-tweet.js, deleted-note-tweet.js) with the post it continues, or NULL
--
-- A note carries no post id (noteTweetId is the note's own), so it is linked by what it says: the post's text in
-- tweets.js is the note's beginning, cut near 280 characters. Both texts are compared after the leading @mentions
-- of a reply (part of the post's text, not the note's), every t.co link (the post ends in one pointing at itself
-- or its media) and a trailing ellipsis are removed, entities unescaped and whitespace collapsed; and the note
-- must have been written within 5 minutes of the post. Time alone is never enough: a thread posted within a few
-- seconds would give every post of it the same note. Each note goes to one post and each post takes one note,
-- the nearest in time among those whose text fits (both ways). A tweetId or lifecycle.initialTweetId, where an
-- export writes one, wins.
with landed as (
    select record_id, record_key, payload
    from raw_x_archive_tweets
),

notes as (
    select
        record_id,
        record_key,
        payload -> 'noteTweet' ->> 'noteTweetId'                                    as note_id,
        coalesce(payload -> 'noteTweet' ->> 'tweetId',
                 payload -> 'noteTweet' -> 'lifecycle' ->> 'initialTweetId')        as stated_post_id,
        payload -> 'noteTweet' ->> 'createdAt'                                      as note_created_text,
        safe_time(payload -> 'noteTweet' ->> 'createdAt')                           as note_created_at,
        payload -> 'noteTweet' -> 'core' ->> 'text'                                 as note_text
    from landed
    where json_type(payload, '$.noteTweet') = 'OBJECT'
),

posts as (
    select distinct
        record_key,
        coalesce(t ->> 'id_str', t ->> 'id')                                        as post_id,
        -- a post whose time cannot be read is stg_x_archive_posts' to reject; here it links to no note by time
        safe_time(try_strptime(t ->> 'created_at', '%a %b %d %H:%M:%S %z %Y'))      as created_at,
        t ->> 'full_text'                                                           as full_text
    from (select record_key,
                 case when json_type(payload, '$.tweet') = 'OBJECT' then payload -> 'tweet' else payload end as t
          from landed
          where json_type(payload, '$.tweet') = 'OBJECT' or (payload ->> 'id_str') is not null)
),

-- the comparable form of a text (see the header)
normalised as (
    select 'note' as side, record_key, record_id as id, note_text as raw from notes
    union all
    select 'post', record_key, post_id, full_text from posts
),

comparable as (
    select side, record_key, id,
           trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
               replace(replace(replace(coalesce(raw, ''), '&lt;', '<'), '&gt;', '>'), '&amp;', '&'),
               '^\s*(@\w+\s+)+', ''),
               'https?://t\.co/\w*', '', 'g'),
               '(…|\.\.\.)\s*$', ''),
               '\s+', ' ', 'g'))                                                    as body
    from normalised
),

candidates as (
    select n.record_id, n.note_id, p.post_id,
           abs(epoch(n.note_created_at) - epoch(p.created_at))                     as seconds_apart
    from notes as n
    join comparable as nc on nc.side = 'note' and nc.id = n.record_id
    join posts as p on p.record_key is not distinct from n.record_key
                    and p.created_at between n.note_created_at - interval 300 second
                                         and n.note_created_at + interval 300 second
    join comparable as pc on pc.side = 'post' and pc.id = p.post_id and pc.record_key is not distinct from p.record_key
    where n.stated_post_id is null
      and length(pc.body) > 0
      and starts_with(nc.body, pc.body)
),

-- one to one: a pair is kept when the post is the note's nearest fitting post and the note the post's nearest
mutual as (
    select record_id, post_id
    from candidates
    qualify row_number() over (partition by record_id order by seconds_apart, post_id) = 1
        and row_number() over (partition by post_id order by seconds_apart, record_id) = 1
),

final as (
    select
        n.record_id,
        n.record_key                                                                as account_id,
        n.note_id,
        n.note_created_at,
        coalesce(n.stated_post_id, m.post_id)                                       as post_id,
        n.note_text,
        -- what could not be read (postaudit/rejects.py): a note without a readable time links only by a stated id
        rejects('note ' || n.note_id, [time_reject('noteTweet.createdAt', n.note_created_text, false)]) as rejects
    from notes as n
    left join mutual as m using (record_id)
)

select * from final
