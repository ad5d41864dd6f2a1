-- one row per article page as landed (fetched or imported), with the fields trafilatura extracted at landing
with pages as (
    select record_id, source, origin, retrieved_at, is_simulated, payload
    from raw_press_pages
),

final as (
    select
        record_id                                           as item_id,
        payload ->> 'url'                                   as url,
        payload ->> '$.extracted.title'                     as title,
        try_cast(payload ->> '$.extracted.date' as timestamptz) as published_at,
        payload ->> '$.extracted.sitename'                  as outlet,
        payload ->> '$.extracted.author'                    as author,
        payload ->> '$.extracted.language'                  as declared_language,
        payload ->> '$.extracted.text'                      as body_text,
        payload ->> 'final_url'                             as final_url,
        -- x.com / twitter.com status links found in the page at landing (embedded or linked posts)
        cast(payload -> '$.extracted.post_urls' as varchar[]) as post_urls,
        retrieved_at,
        source,
        origin,
        record_id,
        is_simulated
    from pages
)

select * from final
