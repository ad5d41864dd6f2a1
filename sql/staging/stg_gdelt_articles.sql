-- one row per article record in a GDELT artlist response (the same URL recurs across overlapping windows and runs)
with pages as (
    select record_id, source, origin, retrieved_at, is_simulated, payload
    from raw_gdelt_artlist
),

records as (
    select
        p.record_id, p.source, p.origin, p.retrieved_at, p.is_simulated,
        -- a response whose articles are not a list keeps one row, to say so in rejects
        p.payload -> '$.response.articles' as articles,
        unnest(coalesce(try_cast(coalesce(p.payload -> '$.response.articles', '[]') as json[]), [null::json])) as a
    from pages p
),

final as (
    select
        md5(record_id || (a ->> 'url'))                 as item_id,
        a ->> 'url'                                     as url,
        a ->> 'title'                                   as title,
        -- seendate is when GDELT's crawler saw the article ("20250304T091500Z"), not the publication time
        safe_time(try_strptime(a ->> 'seendate', '%Y%m%dT%H%M%SZ') at time zone 'UTC') as seen_at,
        a ->> 'domain'                                  as outlet_domain,
        a ->> 'language'                                as language_name,
        a ->> 'sourcecountry'                           as source_country,
        a ->> 'socialimage'                             as social_image,
        retrieved_at,
        source,
        origin,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py): a response without a list of articles lands nothing;
        -- an unreadable seendate is NULL
        rejects('article ' || (a ->> 'url'), [
            reject('response.articles', articles, case when try_cast(articles as json[]) is null
                   then 'not a list of articles' end, true),
            reject('seendate', a ->> 'seendate', case when (a ->> 'seendate') is not null and seen_at is null
                   then 'not a time like 20250304T091500Z from 1970-2099' end, false)])
                                                                                as rejects
    from records
    where a ->> 'url' is not null or (articles is not null and try_cast(articles as json[]) is null)
)

select * from final
