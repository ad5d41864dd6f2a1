-- one row per article record in a GDELT artlist response (the same URL recurs across overlapping windows and runs)
with pages as (
    select record_id, source, origin, retrieved_at, is_simulated, payload
    from raw_gdelt_artlist
),

records as (
    select
        p.record_id, p.source, p.origin, p.retrieved_at, p.is_simulated,
        unnest(cast(coalesce(p.payload -> '$.response.articles', '[]') as json[])) as a
    from pages p
),

final as (
    select
        md5(record_id || (a ->> 'url'))                 as item_id,
        a ->> 'url'                                     as url,
        a ->> 'title'                                   as title,
        -- seendate is when GDELT's crawler saw the article ("20250304T091500Z"), not the publication time
        try_strptime(a ->> 'seendate', '%Y%m%dT%H%M%SZ')::timestamp at time zone 'UTC' as seen_at,
        a ->> 'domain'                                  as outlet_domain,
        a ->> 'language'                                as language_name,
        a ->> 'sourcecountry'                           as source_country,
        a ->> 'socialimage'                             as social_image,
        retrieved_at,
        source,
        origin,
        record_id,
        is_simulated
    from records
    where a ->> 'url' is not null
)

select * from final
