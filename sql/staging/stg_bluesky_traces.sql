-- one row per like or repost record of an audited actor's repository per landing (listRecords of
-- app.bsky.feed.like and app.bsky.feed.repost), in the stg_activity_events contract
--
-- A record's createdAt is when the actor liked or reposted (client-set). Where it is missing or unreadable the
-- record key tells the time instead: a TID is 53 bits of microseconds since 1970 and 10 bits of clock id, written
-- in base32-sortable (atproto spec "Record Key", TID syntax). A repost the author feed already shows is a post
-- (stg_bluesky_posts, kind repost), not a second trace of the same act.
with repo_records as (
    select record_id, source, is_simulated, record_key as did, unnest(json_extract(payload, '$.records[*]')) as r
    from raw_bluesky_records
    where json_type(payload, '$.records') = 'ARRAY'
),

records as (
    select
        record_id, source, is_simulated, did,
        r ->> 'uri'                                                         as uri,
        -- at://<did>/<collection>/<rkey>
        split_part(r ->> 'uri', '/', 4)                                     as collection,
        split_part(r ->> 'uri', '/', 5)                                     as rkey,
        r -> 'value' ->> 'createdAt'                                        as created_text,
        r -> 'value' -> 'subject' ->> 'uri'                                 as subject_uri
    from repo_records
    where split_part(r ->> 'uri', '/', 4) in ('app.bsky.feed.like', 'app.bsky.feed.repost')
),

timed as (
    select
        records.*,
        safe_time(created_text)                                             as created_at,
        -- read as seconds through safe_epoch, so a key far in the future is no time, not an overflow
        case when regexp_full_match(rkey, '[234567a-j][234567a-z]{12}') then
            safe_epoch((list_reduce(list_transform(string_split(rkey, ''),
                lambda c: try_cast(strpos('234567abcdefghijklmnopqrstuvwxyz', c) - 1 as hugeint)),
                lambda a, b: a * 32 + b) >> 10) / 1000000)
        end                                                                 as key_time
    from records
),

reposts_in_feed as (
    select account_id, post_id, referenced_post_id
    from stg_bluesky_posts
    where kind = 'repost'
),

final as (
    select
        'bluesky'                                                           as platform,
        did                                                                 as account_id,
        case collection when 'app.bsky.feed.like' then 'like' else 'repost' end as kind,
        coalesce(created_at, key_time)                                      as occurred_at,
        source,
        -- the actor's own post, when they liked or reposted their own
        case when split_part(subject_uri, '/', 3) = did then subject_uri end as post_id,
        subject_uri                                                         as target_id,
        is_simulated,
        null::varchar                                                       as detail,
        record_id,
        case when created_at is null and key_time is not null then 'record key (TID)' else 'createdAt' end
                                                                            as time_field,
        coalesce(created_text, rkey)                                        as time_value,
        case
            when coalesce(created_at, key_time) is null
                then 'no readable createdAt and the record key is not a TID'
            when subject_uri is null then 'no subject.uri: what was ' || (case collection
                when 'app.bsky.feed.like' then 'liked' else 'reposted' end) || ' is unknown'
        end                                                                 as reject_reason
    from timed
    where not exists (
        select 1 from reposts_in_feed f
        where timed.collection = 'app.bsky.feed.repost'
          and (f.post_id = timed.uri or (f.account_id = timed.did and f.referenced_post_id = timed.subject_uri))
    )
)

-- a row with a reject_reason is listed in rejects, so the build records it in rejected_records and
-- stg_activity_events reads only the rows kept (postaudit/rejects.py)
select *, rejects(kind, [reject(time_field, time_value, reject_reason, true)]) as rejects
from final
