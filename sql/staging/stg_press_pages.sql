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
        safe_time(payload ->> '$.extracted.date')             as published_at,
        payload ->> '$.extracted.sitename'                  as outlet,
        payload ->> '$.extracted.author'                    as author,
        payload ->> '$.extracted.language'                  as declared_language,
        payload ->> '$.extracted.text'                      as body_text,
        payload ->> 'final_url'                             as final_url,
        -- x.com / twitter.com status links found in the page at landing (embedded or linked posts)
        try_cast(payload -> '$.extracted.post_urls' as varchar[]) as post_urls,
        retrieved_at,
        source,
        origin,
        record_id,
        is_simulated,
        -- what could not be read (postaudit/rejects.py) is NULL: a page without a date still has its text
        rejects('page ' || (payload ->> 'url'), [
            time_reject('extracted.date', payload ->> '$.extracted.date', false),
            reject('extracted.post_urls', payload -> '$.extracted.post_urls',
                   case when (payload -> '$.extracted.post_urls') is not null
                             and json_type(payload, '$.extracted.post_urls') <> 'NULL'
                             and try_cast(payload -> '$.extracted.post_urls' as varchar[]) is null
                        then 'not a list of links' end, false)])      as rejects
    from pages
)

select * from final
